// What every repository shares, whatever it stores and whichever database holds it:
// failures of the backing database throw StoreError (docs/architecture.md, "Errors"); the
// outcomes a caller decides on are values: a WriteResult, an optional, a Page.
// Repository calls may block on disk or network: callers run them on the worker pool,
// never on an I/O thread.
#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace octopus::store {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class WriteResult { ok, not_found, conflict };

// One page of a list ordered by a cursor (an id): `next_after` is where the next page
// starts (exclusive) when more remain.
template <typename Item, typename Cursor = std::string>
struct Page {
  std::vector<Item> items;
  std::optional<Cursor> next_after;
};

}  // namespace octopus::store
