#include "events/sqlite_stream_cursor_repository.hpp"

namespace octopus::events {

using store::sqlite::Statement;

std::uint64_t SqliteStreamCursorRepository::stream_cursor(const std::string& name) {
  auto held = db_.lock();
  Statement st(db_.handle(), "SELECT position FROM stream_cursors WHERE name = :name");
  st.bind(":name", name);
  return st.step() ? static_cast<std::uint64_t>(st.int64(0)) : 0;
}

void SqliteStreamCursorRepository::set_stream_cursor(const std::string& name, std::uint64_t position) {
  auto held = db_.lock();
  Statement st(db_.handle(),
               "INSERT INTO stream_cursors(name, position) VALUES (:name, :position) "
               "ON CONFLICT(name) DO UPDATE SET position = excluded.position");
  st.bind(":name", name).bind(":position", static_cast<std::int64_t>(position)).step();
}

}  // namespace octopus::events
