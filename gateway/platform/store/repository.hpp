// What every repository shares, whatever it stores and whichever database holds it:
// failures of the backing database throw StoreError (docs/architecture.md, "Errors"); the
// outcomes a caller decides on are values: a WriteResult, an optional, a Page.
// Repository calls may block on disk or network: callers run them on the worker pool,
// never on an I/O thread.
#pragma once
#include <cstdint>
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

// A write made on behalf of a lease's holder: it lands only while the lease's current grant
// still carries `token` (a fencing token), so a holder paused past its lease cannot overwrite
// what the instance that took over has recorded since. Token 0: not fenced.
struct Fence {
  std::string lease;
  std::int64_t token = 0;
};

// One page of a list ordered by a cursor (an id): `next_after` is where the next page
// starts (exclusive) when more remain.
template <typename Item, typename Cursor = std::string>
struct Page {
  std::vector<Item> items;
  std::optional<Cursor> next_after;
};

}  // namespace octopus::store
