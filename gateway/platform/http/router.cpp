#include "http/router.hpp"

#include <stdexcept>

namespace octopus::http {

namespace {
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool is_capture(std::string_view seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }
}  // namespace

void Router::add(Route route) {
  if (route.idempotent && !route.blocking)
    throw std::logic_error(route.method + " " + route.pattern + ": an idempotent route must be blocking");
  Entry e;
  for (auto s : split_path(route.pattern)) e.segments.emplace_back(s);
  e.route = std::move(route);
  entries_.push_back(std::move(e));
}

Router::Result Router::match(std::string_view method, std::string_view path, const Route*& route,
                             std::map<std::string, std::string>& params, std::string& allowed) const {
  const auto segs = split_path(path);
  bool path_exists = false;
  allowed.clear();
  for (const auto& e : entries_) {
    if (e.segments.size() != segs.size()) continue;
    std::map<std::string, std::string> captured;
    bool ok = true;
    for (std::size_t i = 0; i < segs.size() && ok; ++i) {
      const auto& pat = e.segments[i];
      if (is_capture(pat)) {
        // A capture never matches an empty segment: "/partners//keys" is not a partner.
        if (segs[i].empty())
          ok = false;
        else
          captured.emplace(pat.substr(1, pat.size() - 2), std::string(segs[i]));
      } else if (pat != segs[i]) {
        ok = false;
      }
    }
    if (!ok) continue;
    path_exists = true;
    if (e.route.method == method) {
      route = &e.route;
      params = std::move(captured);
      return Result::found;
    }
    if (!allowed.empty()) allowed += ", ";
    allowed += e.route.method;
  }
  return path_exists ? Result::method_not_allowed : Result::not_found;
}

}  // namespace octopus::http
