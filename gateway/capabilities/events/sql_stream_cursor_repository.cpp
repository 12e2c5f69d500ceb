#include "events/sql_stream_cursor_repository.hpp"

namespace octopus::events {

using store::sql::Statement;

std::uint64_t SqlStreamCursorRepository::stream_cursor(const std::string& name) {
  auto session = db_.session();
  Statement st(session, "SELECT position FROM stream_cursors WHERE name = :name");
  st.bind(":name", name);
  return st.step() ? static_cast<std::uint64_t>(st.int64(0)) : 0;
}

void SqlStreamCursorRepository::set_stream_cursor(const std::string& name, std::uint64_t position) {
  auto session = db_.session();
  Statement st(session,
               "INSERT INTO stream_cursors(name, position) VALUES (:name, :position) "
               "ON CONFLICT(name) DO UPDATE SET position = excluded.position");
  st.bind(":name", name).bind(":position", static_cast<std::int64_t>(position)).step();
}

}  // namespace octopus::events
