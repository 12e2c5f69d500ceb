#include "store/durable_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace octopus::store {

namespace {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  // Closes now, so that a failing close (a deferred write error) is seen.
  int close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

[[noreturn]] void fail(const std::filesystem::path& path, const char* what) {
  throw std::runtime_error(path.string() + ": cannot " + what + ": " + std::strerror(errno));
}

void write_all(int fd, std::string_view contents, const std::filesystem::path& path) {
  while (!contents.empty()) {
    const auto n = ::write(fd, contents.data(), contents.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(path, "write");
    contents.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void replace_file_durably(const std::filesystem::path& path, std::string_view contents) {
  // mkstemp: a new name, created O_EXCL with mode 0600 whatever the umask.
  std::string temporary = path.string() + ".XXXXXX";
  FileDescriptor fd(::mkstemp(temporary.data()));
  if (fd.get() < 0) fail(temporary, "create");
  try {
    write_all(fd.get(), contents, temporary);
    if (::fsync(fd.get()) != 0) fail(temporary, "sync");
    if (fd.close() != 0) fail(temporary, "close");
    if (::rename(temporary.c_str(), path.c_str()) != 0) fail(path, "replace");
  } catch (...) {
    ::unlink(temporary.c_str());
    throw;
  }
  // The rename is made; syncing its folder makes it survive a power loss. A file system
  // that cannot sync a folder (EINVAL) has nothing more to offer: the rename stands.
  const auto folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  FileDescriptor dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) fail(folder, "open the folder of");
  if (::fsync(dir.get()) != 0 && errno != EINVAL) fail(folder, "sync the folder of");
}

}  // namespace octopus::store
