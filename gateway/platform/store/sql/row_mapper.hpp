// One table's mapping between its rows and a record type: the column list is written once,
// next to the field each column holds, so adding a column is one line here and one
// migration. Inserts bind by name (":column"); reads take columns by their place in the
// list. Conversions between C++ values and column values live in ColumnValue below; both
// dialects (SQLite, PostgreSQL) store the same types: text, 64-bit integers, bytes.
#pragma once
#include <cstdint>
#include <functional>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/repository.hpp"
#include "store/sql/database.hpp"

namespace octopus::store::sql {

template <typename T>
struct ColumnValue;  // bind(Statement&, int, const T&) and read(const Statement&, int) -> T

template <>
struct ColumnValue<std::string> {
  static void bind(Statement& st, int i, const std::string& v) { st.bind(i, std::string_view(v)); }
  static std::string read(const Statement& st, int col) { return st.text(col); }
};
template <>
struct ColumnValue<std::int64_t> {
  static void bind(Statement& st, int i, std::int64_t v) { st.bind(i, v); }
  static std::int64_t read(const Statement& st, int col) { return st.int64(col); }
};
// Integers are signed 64-bit in both dialects; counts and subscriber ids stay far below 2^63.
template <>
struct ColumnValue<std::uint64_t> {
  static void bind(Statement& st, int i, std::uint64_t v) { st.bind(i, static_cast<std::int64_t>(v)); }
  static std::uint64_t read(const Statement& st, int col) { return static_cast<std::uint64_t>(st.int64(col)); }
};
template <>
struct ColumnValue<bool> {
  static void bind(Statement& st, int i, bool v) { st.bind(i, std::int64_t{v ? 1 : 0}); }
  static bool read(const Statement& st, int col) { return st.int64(col) != 0; }
};
template <typename T>
struct ColumnValue<std::optional<T>> {
  static void bind(Statement& st, int i, const std::optional<T>& v) {
    if (v)
      ColumnValue<T>::bind(st, i, *v);
    else
      st.bind_null(i);
  }
  static std::optional<T> read(const Statement& st, int col) {
    if (st.is_null(col)) return std::nullopt;
    return ColumnValue<T>::read(st, col);
  }
};
// An enumeration stored by its name: ColumnValue<E> derives from NamedColumnValue<E, parse>,
// where to_string(E) (found beside E) names a value and parse answers std::optional<E>. A
// name the code no longer knows reads as `fallback` when one is given, and is a StoreError
// otherwise.
template <typename Enum, auto Parse, auto... Fallback>
struct NamedColumnValue {
  static void bind(Statement& st, int i, Enum v) { st.bind(i, std::string_view(to_string(v))); }
  static Enum read(const Statement& st, int col) {
    const auto text = st.text(col);
    if (const auto value = Parse(text)) return *value;
    if constexpr (sizeof...(Fallback) == 1) {
      return (Fallback, ...);
    } else {
      throw StoreError("a column holds an unknown name: '" + text + "'");
    }
  }
};
// Fixed-size byte strings (keys, digests) are blobs; one of another size reads as zeros.
template <std::size_t N>
struct ColumnValue<std::array<std::uint8_t, N>> {
  static void bind(Statement& st, int i, const std::array<std::uint8_t, N>& v) {
    st.bind_blob(i, v.data(), static_cast<int>(N));
  }
  static std::array<std::uint8_t, N> read(const Statement& st, int col) {
    std::array<std::uint8_t, N> out{};
    int size = 0;
    const void* blob = st.blob(col, size);
    if (blob && size == static_cast<int>(N)) std::memcpy(out.data(), blob, N);
    return out;
  }
};
// Lists are stored as JSON arrays (scopes, a token delivery's subscribers).
template <typename T>
struct ColumnValue<std::vector<T>> {
  static void bind(Statement& st, int i, const std::vector<T>& v) {
    st.bind(i, std::string_view(nlohmann::json(v).dump()));
  }
  static std::vector<T> read(const Statement& st, int col) {
    std::vector<T> out;
    const auto j = nlohmann::json::parse(st.text(col), nullptr, false);
    if (j.is_array())
      for (const auto& item : j) {
        if constexpr (std::is_same_v<T, std::string>) {
          if (item.is_string()) out.push_back(item.get<T>());
        } else if (item.is_number_unsigned()) {
          out.push_back(item.get<T>());
        }
      }
    return out;
  }
};

template <typename Record>
struct Column {
  std::string name;
  std::function<void(Statement&, int, const Record&)> bind;
  std::function<void(const Statement&, int, Record&)> read;
};

// A column holding the field `access(record)` refers to.
template <typename Record, typename Access>
Column<Record> column(std::string name, Access access) {
  using Field = std::remove_cvref_t<decltype(access(std::declval<Record&>()))>;
  return {std::move(name),
          [access](Statement& st, int i, const Record& r) {
            ColumnValue<Field>::bind(st, i, access(const_cast<Record&>(r)));
          },
          [access](const Statement& st, int col, Record& r) { access(r) = ColumnValue<Field>::read(st, col); }};
}

// A column holding the member `field`.
template <typename Record, typename Field>
Column<Record> column(std::string name, Field Record::*field) {
  return column<Record>(std::move(name), [field](Record& r) -> Field& { return r.*field; });
}

template <typename Record>
class RowMapper {
 public:
  RowMapper(std::string table, std::vector<Column<Record>> columns)
      : table_(std::move(table)), columns_(std::move(columns)) {
    for (const auto& c : columns_) {
      if (!list_.empty()) list_ += ", ", params_ += ", ";
      list_ += c.name;
      params_ += ":" + c.name;
      parameters_.push_back(":" + c.name);
    }
  }

  // "SELECT <columns> FROM <table> <rest>"
  std::string select(std::string_view rest) const {
    return "SELECT " + list_ + " FROM " + table_ + " " + std::string(rest);
  }
  // The same with more columns after the mapped ones (from a joined table); they are read
  // from index column_count() on.
  std::string select_with(std::string_view extra_columns, std::string_view rest) const {
    return "SELECT " + list_ + ", " + std::string(extra_columns) + " FROM " + table_ + " " + std::string(rest);
  }
  int column_count() const { return static_cast<int>(columns_.size()); }
  // "INSERT INTO <table>(<columns>) VALUES (:<column>, ...)"; bind(st, record) fills it.
  std::string insert() const { return "INSERT INTO " + table_ + "(" + list_ + ") VALUES (" + params_ + ")"; }
  // The same without `generated` (a column the database numbers), answering its value:
  // "INSERT ... RETURNING <generated>" (Statement::step_returning_int64).
  std::string insert_generating(std::string_view generated) const {
    std::string list, params;
    for (const auto& c : columns_) {
      if (c.name == generated) continue;
      if (!list.empty()) list += ", ", params += ", ";
      list += c.name;
      params += ":" + c.name;
    }
    return "INSERT INTO " + table_ + "(" + list + ") VALUES (" + params + ") RETURNING " + std::string(generated);
  }

  // Binds every column the statement names (":column"); an UPDATE names only those it sets.
  void bind(Statement& st, const Record& r) const {
    for (std::size_t c = 0; c < columns_.size(); ++c)
      if (const int i = st.find_index(parameters_[c])) columns_[c].bind(st, i, r);
  }
  Record read(const Statement& st) const {
    Record r;
    for (std::size_t i = 0; i < columns_.size(); ++i) columns_[i].read(st, static_cast<int>(i), r);
    return r;
  }
  std::vector<Record> read_all(Statement& st) const {
    std::vector<Record> out;
    while (st.step()) out.push_back(read(st));
    return out;
  }
  // Reads up to `limit` rows of a query that asked for limit + 1: the extra row only says
  // that a next page exists, which starts after the last row kept (its `cursor_of`: the id
  // unless told).
  template <typename Cursor = std::string, typename CursorOf = Cursor (*)(const Record&)>
  Page<Record, Cursor> read_page(
      Statement& st, std::size_t limit, CursorOf cursor_of = [](const Record& r) -> Cursor { return r.id; }) const {
    Page<Record, Cursor> page{read_all(st), std::nullopt};
    if (page.items.size() > limit) {
      page.items.pop_back();
      page.next_after = cursor_of(page.items.back());
    }
    return page;
  }

 private:
  std::string table_;
  std::vector<Column<Record>> columns_;
  std::string list_, params_;
  std::vector<std::string> parameters_;  // ":column", in the columns' order
};

}  // namespace octopus::store::sql
