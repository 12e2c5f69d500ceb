// Test support: a private copy of the shipped policy set in a temporary directory, which a
// test can mutate (replace text, remove a file) before loading it.
#pragma once
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "policy/policy_set.hpp"

namespace octopus::policy::testing {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// Loads the shipped set once; it must be valid for any test to mean something.
inline std::shared_ptr<const PolicySnapshot> shipped_snapshot() {
  static const auto result = load_policies(OCTOPUS_POLICIES_DIR);
  if (!result.ok()) {
    std::string all;
    for (const auto& e : result.errors) all += e.to_string() + "\n";
    throw std::runtime_error("the shipped policy set is refused:\n" + all);
  }
  return result.snapshot;
}

class PolicyCopy {
 public:
  PolicyCopy() {
    static int counter = 0;
    dir_ = std::filesystem::temp_directory_path() /
           ("octopus-policy-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    for (const auto& entry : std::filesystem::directory_iterator(OCTOPUS_POLICIES_DIR))
      if (entry.path().extension() == ".yaml") std::filesystem::copy_file(entry.path(), dir_ / entry.path().filename());
  }
  ~PolicyCopy() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PolicyCopy(const PolicyCopy&) = delete;
  PolicyCopy& operator=(const PolicyCopy&) = delete;

  // Also copies the shipped test cases (tests/*.yaml), for `policy test` on the copy.
  void copy_cases() const {
    std::filesystem::create_directories(dir_ / "tests");
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(OCTOPUS_POLICIES_DIR) / "tests"))
      if (entry.path().extension() == ".yaml")
        std::filesystem::copy_file(entry.path(), dir_ / "tests" / entry.path().filename());
  }

  const std::filesystem::path& dir() const { return dir_; }
  std::string text(const std::string& file) const { return read_text(dir_ / file); }
  void set_text(const std::string& file, const std::string& text) const { write_text(dir_ / file, text); }

  // Replaces the one occurrence of `from` in `file`; fails the test if it is not exactly one,
  // so a mutation never silently stops applying when the shipped files change.
  void replace(const std::string& file, const std::string& from, const std::string& to) const {
    std::string t = text(file);
    const auto at = t.find(from);
    ASSERT_NE(at, std::string::npos) << "'" << from << "' not found in " << file;
    ASSERT_EQ(t.find(from, at + 1), std::string::npos) << "'" << from << "' occurs more than once in " << file;
    t.replace(at, from.size(), to);
    set_text(file, t);
  }

  // 1-based line on which the first occurrence of `needle` in `file` ends, 0 if absent
  // (a multi-line needle can so point at a line whose text is not unique on its own).
  int line_of(const std::string& file, const std::string& needle) const {
    const std::string t = text(file);
    const auto at = t.find(needle);
    if (at == std::string::npos) return 0;
    return 1 + static_cast<int>(
                   std::count(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(at + needle.size() - 1), '\n'));
  }

  PolicyLoadResult load() const { return load_policies(dir_); }

 private:
  std::filesystem::path dir_;
};

inline std::string describe(const PolicyErrors& errors) {
  std::string all;
  for (const auto& e : errors) all += "  " + e.to_string() + "\n";
  return all;
}

inline Seconds utc(int y, unsigned m, unsigned d, int hh, int mm, int ss = 0) {
  using namespace std::chrono;
  return sys_days(year{y} / month{m} / day{d}) + hours(hh) + minutes(mm) + seconds(ss);
}

}  // namespace octopus::policy::testing
