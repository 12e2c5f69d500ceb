/// @file
/// Pagers for the list operations: each page is fetched when needed, following the
/// gateway's `next_cursor` until it is null.
#pragma once
#include <cstddef>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace octopus {

/// One page of a list.
template <class T>
struct Page {
  std::vector<T> items;                    ///< this page's items, in the list's order
  std::optional<std::string> next_cursor;  ///< null on the last page
};

/// Walks a list page by page (`next_page`) or item by item (range-for). Not thread-safe;
/// each page is one call with the Client's retries and deadline. It keeps the Client's
/// connections alive while it exists, and a copy of the CallOptions it was made with (so
/// a CallOptions::response pointer given to a list call must outlive the pager).
template <class T>
class Pager {
 public:
  /// Fetches the page at a cursor (no cursor: the first page).
  using Fetch = std::function<Page<T>(const std::optional<std::string>& cursor)>;

  /// A pager over the pages `fetch` returns (the SDK makes them; tests may too).
  explicit Pager(Fetch fetch) : fetch_(std::move(fetch)) {}

  /// True until the last page has been fetched.
  bool has_next() const noexcept { return !done_; }

  /// The next page; an empty page once the list is exhausted.
  Page<T> next_page() {
    if (done_) return {};
    Page<T> page = fetch_(cursor_);
    cursor_ = page.next_cursor;
    done_ = !cursor_.has_value();
    return page;
  }

  /// Every remaining item, fetching every remaining page.
  std::vector<T> all() {
    std::vector<T> out;
    while (has_next()) {
      auto page = next_page();
      for (auto& item : page.items) out.push_back(std::move(item));
    }
    return out;
  }

  /// Input iterator over the remaining items, fetching pages as it goes.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;  ///< single pass
    using value_type = T;                               ///< an item of the list
    using difference_type = std::ptrdiff_t;             ///< required of iterators
    using pointer = const T*;                           ///< to the current item
    using reference = const T&;                         ///< to the current item

    /// The end iterator.
    iterator() = default;
    /// At the first item of the pager's remaining pages (fetching as needed).
    explicit iterator(Pager* pager) : pager_(pager) { advance_page(); }
    /// The current item.
    reference operator*() const { return page_.items[index_]; }
    /// The current item.
    pointer operator->() const { return &page_.items[index_]; }
    /// The next item, fetching the next page when this one is used up.
    iterator& operator++() {
      if (++index_ >= page_.items.size()) advance_page();
      return *this;
    }
    /// The next item (input iterators return nothing useful from a post-increment).
    void operator++(int) { ++*this; }
    /// Equal when both are the end, or both walk the same pager (single pass).
    friend bool operator==(const iterator& a, const iterator& b) { return a.pager_ == b.pager_; }
    /// Negation of operator==.
    friend bool operator!=(const iterator& a, const iterator& b) { return a.pager_ != b.pager_; }

   private:
    // Skips empty pages; becomes the end iterator when the list is exhausted.
    void advance_page() {
      index_ = 0;
      page_ = {};
      while (pager_ && page_.items.empty()) {
        if (!pager_->has_next()) {
          pager_ = nullptr;
          return;
        }
        page_ = pager_->next_page();
      }
    }
    Pager* pager_ = nullptr;
    Page<T> page_;
    std::size_t index_ = 0;
  };

  /// The first remaining item; fetches the first page not yet fetched.
  iterator begin() { return iterator(this); }
  /// Past the last item.
  iterator end() { return iterator(); }

 private:
  Fetch fetch_;
  std::optional<std::string> cursor_;
  bool done_ = false;
};

}  // namespace octopus
