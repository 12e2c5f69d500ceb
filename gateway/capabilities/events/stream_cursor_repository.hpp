// Where a follower of an engine stream stopped, so a restart resumes there.
#pragma once
#include <cstdint>
#include <string>

namespace octopus::events {

class StreamCursorRepository {
 public:
  virtual ~StreamCursorRepository() = default;
  virtual std::uint64_t stream_cursor(const std::string& name) = 0;  // 0 when never saved
  virtual void set_stream_cursor(const std::string& name, std::uint64_t position) = 0;
};

}  // namespace octopus::events
