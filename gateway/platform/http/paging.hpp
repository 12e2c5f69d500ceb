// Cursor paging as every list of the API does it: `limit` (1 to a maximum, a default when
// absent) and `cursor` (the last id of the previous page, exactly as the list returned it),
// answered as {"items": [...], "next_cursor": id | null}.
#pragma once
#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace octopus::http {

struct PageRequest {
  std::map<std::string, std::string> query;  // every parameter, for the filters beside the page
  std::size_t limit = 0;
  std::optional<std::string> after;  // the cursor
};

// A store page (items with `next_after`) as the API answers it, each item by `render`.
template <typename Page, typename Render>
nlohmann::json page_json(const Page& page, Render render) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : page.items) items.push_back(render(item));
  return {{"items", std::move(items)},
          {"next_cursor", page.next_after ? nlohmann::json(*page.next_after) : nlohmann::json(nullptr)}};
}

}  // namespace octopus::http
