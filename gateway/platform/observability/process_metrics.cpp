#include "observability/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace octopus::observability {

namespace {

const MetricFamily kCpu{"process_cpu_seconds_total", MetricType::counter,
                        "User and system CPU time spent, in seconds."};
const MetricFamily kResident{"process_resident_memory_bytes", MetricType::gauge, "Resident memory size in bytes."};
const MetricFamily kVirtual{"process_virtual_memory_bytes", MetricType::gauge, "Virtual memory size in bytes."};
const MetricFamily kOpenFds{"process_open_fds", MetricType::gauge, "Open file descriptors."};
const MetricFamily kMaxFds{"process_max_fds", MetricType::gauge, "The file descriptor limit."};
const MetricFamily kStart{"process_start_time_seconds", MetricType::gauge,
                          "Start time of the process since the Unix epoch, in seconds."};

// /proc/self/stat after the command name (which may hold spaces, so it is skipped by its
// closing parenthesis): field 14 utime, 15 stime, 22 starttime, 23 vsize, 24 rss (man 5 proc).
struct Stat {
  double cpu_seconds = 0, start_ticks = 0, virtual_bytes = 0, resident_pages = 0;
};

bool read_stat(Stat& s) {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  const auto end_of_name = line.rfind(')');
  if (end_of_name == std::string::npos) return false;
  std::istringstream fields(line.substr(end_of_name + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int number = 3; fields >> field; ++number) {
    if (number == 14) utime = std::stod(field);
    if (number == 15) stime = std::stod(field);
    if (number == 22) s.start_ticks = std::stod(field);
    if (number == 23) s.virtual_bytes = std::stod(field);
    if (number == 24) s.resident_pages = std::stod(field);
  }
  s.cpu_seconds = (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return true;
}

double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime" && in >> value) return value;
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

double open_fds() {
  std::error_code ec;
  double n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n;
}

void collect(std::vector<Sample>& out) {
  Stat s;
  if (read_stat(s)) {
    out.push_back({"process_cpu_seconds_total", s.cpu_seconds});
    out.push_back({"process_resident_memory_bytes", s.resident_pages * static_cast<double>(sysconf(_SC_PAGESIZE))});
    out.push_back({"process_virtual_memory_bytes", s.virtual_bytes});
    static const double started = boot_time_seconds() + s.start_ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
    out.push_back({"process_start_time_seconds", started});
  }
  out.push_back({"process_open_fds", open_fds()});
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) out.push_back({"process_max_fds", static_cast<double>(limit.rlim_cur)});
}

}  // namespace

std::unique_ptr<ScopedCollector> collect_process_metrics() { return std::make_unique<ScopedCollector>(collect); }

}  // namespace octopus::observability
