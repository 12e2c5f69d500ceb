#include "octopus/sdk/errors.hpp"

#include <nlohmann/json.hpp>

namespace octopus {
namespace {

std::string string_member(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string summary(const ResponseInfo& info, const std::string& title, const std::string& detail) {
  std::string out = "HTTP " + std::to_string(info.status);
  if (!title.empty()) out += " " + title;
  if (!detail.empty()) out += ": " + detail;
  if (!info.request_id.empty()) out += " (request " + info.request_id + ")";
  return out;
}

}  // namespace

// Reads the RFC 9457 members the SDK exposes; a body that is not a problem still makes an
// ApiError with the status and request id.
ApiError::ApiError(ResponseInfo info, const std::string& body) : Error(""), info_(std::move(info)), body_(body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object()) {
    type_ = string_member(j, "type");
    title_ = string_member(j, "title");
    detail_ = string_member(j, "detail");
    if (info_.request_id.empty()) info_.request_id = string_member(j, "request_id");
    if (const auto it = j.find("errors"); it != j.end() && it->is_array())
      for (const auto& e : *it)
        if (e.is_object())
          errors_.push_back({string_member(e, "pointer"), string_member(e, "detail"), string_member(e, "rule")});
    if (const auto it = j.find("violated-policies"); it != j.end() && it->is_array())
      for (const auto& p : *it)
        if (p.is_string()) violated_policies_.push_back(p.get<std::string>());
  }
  static_cast<std::runtime_error&>(*this) = std::runtime_error(summary(info_, title_, detail_));
}

std::string ApiError::slug() const {
  const auto slash = type_.rfind('/');
  return slash == std::string::npos ? type_ : type_.substr(slash + 1);
}

}  // namespace octopus
