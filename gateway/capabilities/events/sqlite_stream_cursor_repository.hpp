// Stream cursors in the embedded database.
#pragma once
#include "events/stream_cursor_repository.hpp"
#include "store/sqlite/sqlite_database.hpp"

namespace octopus::events {

class SqliteStreamCursorRepository final : public StreamCursorRepository {
 public:
  explicit SqliteStreamCursorRepository(store::sqlite::SqliteDatabase& db) : db_(db) {}
  std::uint64_t stream_cursor(const std::string& name) override;
  void set_stream_cursor(const std::string& name, std::uint64_t position) override;

 private:
  store::sqlite::SqliteDatabase& db_;
};

}  // namespace octopus::events
