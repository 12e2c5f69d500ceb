#include "postgres_server.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace octopus::testing {

namespace fs = std::filesystem;

namespace {

// Runs a shell command, returning its combined output; throws with it when it fails.
std::string run(const std::string& command) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) throw std::runtime_error("cannot run: " + command);
  std::string out;
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  if (::pclose(p) != 0) throw std::runtime_error(command + " failed:\n" + out);
  return out;
}

}  // namespace

std::string PostgresServer::find_bin_dir() {
  if (const char* env = std::getenv("OCTOPUS_PG_BIN")) return env;
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& version : fs::directory_iterator("/usr/lib/postgresql", ec))
    if (fs::exists(version.path() / "bin" / "initdb")) found.push_back(version.path() / "bin");
  if (found.empty()) return "";
  std::sort(found.begin(), found.end());
  return found.back().string();
}

std::string PostgresServer::run_as_owner(const std::string& command) const {
  return run(::geteuid() == 0 ? "runuser -u postgres -- " + command : command);
}

PostgresServer::PostgresServer(std::vector<std::string> settings) {
  bin_ = find_bin_dir();
  if (bin_.empty())
    throw std::runtime_error("PostgreSQL server binaries not found (install postgresql, or set OCTOPUS_PG_BIN)");
  dir_ = (fs::temp_directory_path() / ("octopus-pg-" + std::to_string(::getpid()))).string();
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam("postgres");
    if (!pw) throw std::runtime_error("running as root and there is no postgres user to run PostgreSQL as");
    if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("cannot chown " + dir_);
  }
  run_as_owner(bin_ + "/initdb -D " + dir_ + "/data -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8");
  std::string options =
      "-c listen_addresses='' -k " + dir_ + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  for (const auto& s : settings) options += " -c " + s;
  run_as_owner(bin_ + "/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 60 -o \"" + options + "\" start");
}

PostgresServer::~PostgresServer() {
  try {
    run_as_owner(bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop");
  } catch (const std::exception&) {
    // Already stopped: nothing to do but delete the files.
  }
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::string PostgresServer::connection_string() const { return "host=" + dir_ + " user=postgres dbname=postgres"; }

}  // namespace octopus::testing
