// A handler step's outcome: the value to go on with, or the answer to give now. Handlers
// are written as steps (parse, find, authorise, act, render) that each return a Step, so a
// refusal leaves the handler in one line: `if (!x) return x.answer();`.
#pragma once
#include <utility>
#include <variant>

#include "http/message.hpp"

namespace octopus::http {

template <typename T>
class Step {
 public:
  Step(T value) : state_(std::move(value)) {}           // NOLINT: a step that goes on
  Step(Response answer) : state_(std::move(answer)) {}  // NOLINT: a step that answers
  explicit operator bool() const { return state_.index() == 0; }
  T& operator*() { return std::get<0>(state_); }
  T* operator->() { return &std::get<0>(state_); }
  Response& answer() { return std::get<1>(state_); }

 private:
  std::variant<T, Response> state_;
};

}  // namespace octopus::http
