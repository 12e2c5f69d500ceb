// Test support: a private copy of the shipped policies that a test may edit, removed at the
// end. Edits are written beside the file and renamed over it, as careful editors and deploy
// tools do, so a reader never sees half a file.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace octopus::testing {

class PolicyDir {
 public:
  PolicyDir()
      : path_(std::filesystem::temp_directory_path() /
              ("octopus-policies-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::remove_all(path_);
    std::filesystem::copy(OCTOPUS_POLICIES_DIR, path_, std::filesystem::copy_options::recursive);
    original_privacy_ = read("privacy.yaml");
  }
  ~PolicyDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

  std::string read(const std::string& file) const {
    std::ifstream in(path_ / file, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void write(const std::string& file, const std::string& text) {
    const auto tmp = path_ / (file + ".tmp");
    std::ofstream(tmp, std::ios::binary) << text;
    std::filesystem::rename(tmp, path_ / file);
  }
  void replace(const std::string& file, const std::string& from, const std::string& to) {
    std::string s = read(file);
    const auto at = s.find(from);
    ASSERT_NE(at, std::string::npos) << file << " no longer holds: " << from;
    s.replace(at, from.size(), to);
    write(file, s);
  }

  // Rewrites privacy.yaml with k set to `k` (0 is invalid: k must be at least 1).
  void set_k(int k) {
    std::string s = original_privacy_;
    const std::string from = "minimum_audience_size: 100";
    const auto at = s.find(from);
    ASSERT_NE(at, std::string::npos);
    s.replace(at, from.size(), "minimum_audience_size: " + std::to_string(k));
    write("privacy.yaml", s);
  }

  // Adds plans (YAML lines indented by 2, under `plans:`) and partner → plan lines.
  void add_plans(const std::string& plans, const std::string& partner_plans) {
    replace("quotas.yaml", "plans:\n  starter:", "plans:\n" + plans + "  starter:");
    replace("quotas.yaml", "partner_plans: {}", "partner_plans:\n" + partner_plans);
  }

 private:
  std::filesystem::path path_;
  std::string original_privacy_;
};

}  // namespace octopus::testing
