// The policy pipeline (YAML → schema → cross-file checks → snapshot) on an untrusted file: the
// first byte chooses which of the five files the rest replaces in a copy of the shipped set.
// Never a crash; a set that loads has a version; one refused names at least one error, each
// with its file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_check.hpp"
#include "policy/policy_set.hpp"

namespace fs = std::filesystem;

namespace {
const char* const kFiles[] = {"consent.yaml", "privacy.yaml", "fatigue.yaml",
                              "content.yaml", "quotas.yaml",  "settlement.yaml"};
constexpr int kFileCount = sizeof kFiles / sizeof kFiles[0];

struct Fixture {
  fs::path dir = fs::temp_directory_path() / ("octopus-fuzz-policies-" + std::to_string(::getpid()));
  std::string originals[kFileCount];
  Fixture() {
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (int i = 0; i < kFileCount; ++i) {
      fs::copy_file(fs::path(OCTOPUS_POLICIES_DIR) / kFiles[i], dir / kFiles[i]);
      std::ifstream in(dir / kFiles[i], std::ios::binary);
      originals[i].assign(std::istreambuf_iterator<char>(in), {});
    }
  }
  void write(int i, const char* data, std::size_t size) const {
    std::ofstream(dir / kFiles[i], std::ios::binary | std::ios::trunc).write(data, static_cast<std::streamsize>(size));
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture f;
  if (size == 0) return 0;
  const int file = data[0] % kFileCount;
  f.write(file, reinterpret_cast<const char*>(data + 1), size - 1);
  const auto result = octopus::policy::load_policies(f.dir);
  if (result.ok()) {
    FUZZ_CHECK(result.snapshot && result.snapshot->version.size() == 16);
  } else {
    FUZZ_CHECK(!result.errors.empty());
  }
  f.write(file, f.originals[file].data(), f.originals[file].size());
  return 0;
}
