// Stream cursors in the embedded database.
#pragma once
#include "events/stream_cursor_repository.hpp"
#include "store/sql/sql_repository.hpp"

namespace octopus::events {

class SqlStreamCursorRepository final : public StreamCursorRepository, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;
  std::uint64_t stream_cursor(const std::string& name) override;
  void set_stream_cursor(const std::string& name, std::uint64_t position) override;
};

}  // namespace octopus::events
