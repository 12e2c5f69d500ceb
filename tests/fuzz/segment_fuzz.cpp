// The audience segment grammar on untrusted JSON, against the shipped policies and a fixed
// vocabulary: never a crash; a segment accepted has no issues and stays within the policy's
// size and depth limits; a refused one says where.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "audiences/segment_parser.hpp"
#include "fuzz_check.hpp"
#include "policy/policy_set.hpp"

using namespace octopus;

namespace {
struct Fixture {
  std::shared_ptr<const policy::PolicySnapshot> policy;
  engine::Vocabulary vocabulary;
  Fixture() {
    const auto loaded = policy::load_policies(OCTOPUS_POLICIES_DIR);
    if (!loaded.ok()) __builtin_trap();
    policy = loaded.snapshot;
    vocabulary.attributes.push_back({"city", "", {"jinan", "qingdao", "yantai"}, false, {}, {}});
    vocabulary.attributes.push_back({"age_band",
                                     "",
                                     {"18-24", "25-34", "35-44", "45-54", "55-64", "65+"},
                                     true,
                                     {18, 25, 35, 45, 55, 65},
                                     {25, 35, 45, 55, 65, 1e9}});
    vocabulary.attributes.push_back({"religion", "", {"a", "b"}, false, {}, {}});
    vocabulary.tags = {"travel", "gaming"};
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture f;
  const auto json = nlohmann::json::parse(data, data + size, nullptr, false);
  if (json.is_discarded()) return 0;
  for (const char* tier : {"bronze", "gold"}) {
    const auto parsed = audiences::parse_segment(json, "/segment", f.vocabulary, *f.policy, *f.policy->tier_id(tier));
    if (parsed.segment) {
      FUZZ_CHECK(parsed.malformed.empty() && parsed.refused.empty());
      FUZZ_CHECK(parsed.nodes <= f.policy->privacy.max_nodes);
      FUZZ_CHECK(parsed.depth <= f.policy->privacy.max_depth);
    } else {
      FUZZ_CHECK(!parsed.malformed.empty() || !parsed.refused.empty());
      for (const auto& issue : parsed.malformed) FUZZ_CHECK(issue.pointer.rfind("/segment", 0) == 0);
    }
  }
  return 0;
}
