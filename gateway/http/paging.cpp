#include "http/paging.hpp"

#include "http/formats.hpp"
#include "http/query.hpp"

namespace octopus::http {

std::optional<PageRequest> read_page_request(std::string_view query_string, const std::regex& id_pattern,
                                             std::size_t fallback, std::size_t max) {
  auto query = parse_query(query_string);
  if (!query) return std::nullopt;
  const auto limit = page_limit(*query, fallback, max);
  if (!limit) return std::nullopt;
  PageRequest r{std::move(*query), *limit, std::nullopt};
  if (auto it = r.query.find("cursor"); it != r.query.end()) {
    if (!std::regex_match(it->second, id_pattern)) return std::nullopt;
    r.after = it->second;
  }
  return r;
}

}  // namespace octopus::http
