/// @file
/// JSON carried as text, for the few parts of the API that are a small language of their
/// own (an audience's segment) rather than a fixed structure.
#pragma once
#include <string>

namespace octopus {

/// A JSON value held as compact, valid JSON text.
class JsonValue {
 public:
  /// `null`.
  JsonValue() = default;
  /// Parses `text`; throws std::invalid_argument (with the parser's reason) unless it is JSON.
  static JsonValue parse(const std::string& text);
  /// The compact JSON text.
  const std::string& text() const noexcept { return text_; }
  /// True for `null` (also the default).
  bool is_null() const noexcept { return text_ == "null"; }
  /// Equal when the compact texts are equal.
  friend bool operator==(const JsonValue& a, const JsonValue& b) { return a.text_ == b.text_; }
  /// Negation of operator==.
  friend bool operator!=(const JsonValue& a, const JsonValue& b) { return a.text_ != b.text_; }

 private:
  explicit JsonValue(std::string text) : text_(std::move(text)) {}
  std::string text_ = "null";
  friend struct JsonValueAccess;
};

}  // namespace octopus
