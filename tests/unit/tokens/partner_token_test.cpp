// Partner-scoped tokens: stable per partner, unrelated across partners, and the master key
// file is created private and refused when others can read it.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tokens/partner_token.hpp"

namespace octopus::tokens {
namespace {

MasterKey key(unsigned char fill) {
  MasterKey k;
  k.fill(fill);
  return k;
}

TEST(PartnerToken, StablePerPartnerAndUnrelatedAcrossPartners) {
  PartnerTokenizer t(key(1));
  const auto a = t.token("acme", 12345);
  EXPECT_EQ(a, t.token("acme", 12345));
  EXPECT_EQ(a.rfind("sub_", 0), 0u);
  EXPECT_EQ(a.size(), 4u + 43u);
  EXPECT_NE(a, t.token("beta", 12345));  // another partner: another token for the same person
  EXPECT_NE(a, t.token("acme", 12346));
  EXPECT_EQ(a.find("12345"), std::string::npos);
  // Another master secret: no token matches.
  EXPECT_NE(a, PartnerTokenizer(key(2)).token("acme", 12345));
}

TEST(PartnerToken, MasterKeyFileIsCreatedPrivateAndReused) {
  const auto path = std::filesystem::temp_directory_path() / ("octopus-master-" + std::to_string(::getpid()));
  std::filesystem::remove(path);
  const auto first = load_or_create_master_key(path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(load_or_create_master_key(path), first);
  ::chmod(path.c_str(), 0644);
  EXPECT_THROW(load_or_create_master_key(path), std::runtime_error);
  ::chmod(path.c_str(), 0600);
  std::ofstream(path, std::ios::app) << "x";
  EXPECT_THROW(load_or_create_master_key(path), std::runtime_error);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace octopus::tokens
