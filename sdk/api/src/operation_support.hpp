// What the generated operations (generated/operations.cpp) are written in: encoding a
// request model, decoding an answer, building a query string and a path segment, and a
// pager that follows next_cursor.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "generated/models_json.hpp"
#include "octopus/sdk/pager.hpp"
#include "pipeline.hpp"

namespace octopus::detail {

// Throws std::invalid_argument for text that is not UTF-8 (JSON cannot carry it).
template <class Model>
std::string encode(const Model& model) {
  try {
    nlohmann::json j;
    to_json(j, model);
    return j.dump();
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("the request cannot be sent as JSON (is all text UTF-8?): ") + e.what());
  }
}

// Decodes a 2xx answer; one that is not the promised JSON is a ProtocolError.
template <class Model>
Model decode(const RawResponse& response) {
  try {
    Model out;
    from_json(nlohmann::json::parse(response.body), out);
    return out;
  } catch (const nlohmann::json::exception& e) {
    throw ProtocolError("the gateway's answer (HTTP " + std::to_string(response.status) + ", request " +
                        response.info.request_id + ") is not what partner.yaml promises: " + e.what());
  }
}

// RFC 3986 percent-encoding of everything but unreserved characters.
std::string percent_encode(const std::string& text);
// An id in a path: never empty (that would name the collection instead).
inline std::string path_segment(const std::string& text) {
  if (text.empty()) throw std::invalid_argument("an empty id");
  return percent_encode(text);
}

// "?a=1&b=x" (empty when nothing was added).
class Query {
 public:
  void add(const char* name, const std::string& value);
  void add(const char* name, const std::optional<std::string>& value) {
    if (value) add(name, *value);
  }
  void add(const char* name, const std::optional<std::int64_t>& value) {
    if (value) add(name, std::to_string(*value));
  }
  std::string str() const { return text_.empty() ? text_ : "?" + text_; }

 private:
  std::string text_;
};

template <class PageModel, class Item>
Pager<Item> pager(const std::shared_ptr<Pipeline>& pipeline, const std::string& target, const Query& query,
                  const CallOptions& options) {
  return Pager<Item>([pipeline, target, query, options](const std::optional<std::string>& cursor) {
    Query page_query = query;
    page_query.add("cursor", cursor);
    auto page = decode<PageModel>(pipeline->send("GET", target + page_query.str(), {}, options));
    return Page<Item>{std::move(page.items), std::move(page.next_cursor)};
  });
}

}  // namespace octopus::detail
