// Files the gateway replaces whole (the audit log's signed head): owner-only whatever the
// umask, never written through a symlink planted at their name, and a failure says which
// path and why.
#include "store/durable_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace octopus::store {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class DurableFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("octopus-durable-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(DurableFile, ReplacesTheWholeFileOwnerOnlyWhateverTheUmask) {
  const auto path = dir_ / "head.json";
  std::ofstream(path) << "old contents that are longer than the new";
  const auto old_mask = ::umask(022);
  replace_file_durably(path, "new\n");
  ::umask(old_mask);
  EXPECT_EQ(read_all(path), "new\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Nothing is left beside it.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(DurableFile, ASymlinkAtItsNameIsReplacedNotFollowed) {
  const auto victim = dir_ / "victim";
  std::ofstream(victim) << "precious";
  const auto path = dir_ / "head.json";
  fs::create_symlink(victim, path);
  replace_file_durably(path, "head\n");
  EXPECT_EQ(read_all(victim), "precious");
  EXPECT_FALSE(fs::is_symlink(path));
  EXPECT_EQ(read_all(path), "head\n");
}

TEST_F(DurableFile, AFailureNamesThePathAndLeavesNothingBehind) {
  const auto path = dir_ / "missing-folder" / "head.json";
  try {
    replace_file_durably(path, "x");
    FAIL() << "a file in a missing folder was written";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing-folder"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 0);
}

}  // namespace
}  // namespace octopus::store
