// Stream cursors in the embedded database.
#pragma once
#include "events/stream_cursor_repository.hpp"
#include "store/sqlite/sqlite_repository.hpp"

namespace octopus::events {

class SqliteStreamCursorRepository final : public StreamCursorRepository, store::sqlite::SqliteRepository {
 public:
  using SqliteRepository::SqliteRepository;
  std::uint64_t stream_cursor(const std::string& name) override;
  void set_stream_cursor(const std::string& name, std::uint64_t position) override;
};

}  // namespace octopus::events
