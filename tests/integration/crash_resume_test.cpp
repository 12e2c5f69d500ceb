// A crash in the middle of a delivery: the gateway binary is killed with SIGKILL while the
// reference SMS channel is sending, started again on the same data directory, and the
// delivery finishes with every consenting, eligible member sent exactly once — nobody
// twice, nobody lost.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/reference/reference_engine.hpp"
#include "gateway_process.hpp"
#include "policy_dir.hpp"

using nlohmann::json;
using octopus::client::Credential;
using octopus::testing::GatewayProcess;
using octopus::testing::PolicyDir;

namespace {

class CrashResume : public ::testing::Test {
 protected:
  // Without SMS quiet hours, so the test runs the same at any hour.
  PolicyDir policies = [] {
    PolicyDir d;
    d.replace("fatigue.yaml", "  sms:\n    windows:\n      - { from: \"21:00\", to: \"08:00\" }",
              "  sms:\n    windows: []");
    return d;
  }();
  GatewayProcess gw{"crash",
                    "engine:\n  population: 50000\ncounters:\n  enforce_quotas: false\n"
                    "deliveries:\n  batch_size: 200\n  channels:\n    sms:\n      rate_per_second: 1500\n",
                    policies.path()};
  Credential cred{"crashco-key-1", octopus::protocol::Ed25519PrivateKey::generate()};

  json call(const std::string& method, const std::string& target, const json& body = nullptr) {
    return gw.signed_call(cred, method, target, body);
  }
  // subscriber → lines of `source` in the sink.
  std::map<std::uint64_t, int> sink_lines(const std::string& source) {
    std::map<std::uint64_t, int> out;
    if (!std::filesystem::exists(gw.data_dir() / "messages")) return out;
    for (const auto& f : std::filesystem::directory_iterator(gw.data_dir() / "messages")) {
      std::ifstream in(f.path());
      for (std::string line; std::getline(in, line);) {
        const auto j = json::parse(line, nullptr, false);
        if (j.is_object() && j["source"] == source) ++out[j["subscriber"].get<std::uint64_t>()];
      }
    }
    return out;
  }
};

TEST_F(CrashResume, AKilledDeliveryResumesWithoutDuplicatesOrLoss) {
  gw.register_partner("crashco", cred,
                      {"offers:write", "audiences:read", "audiences:write", "deliveries:read", "deliveries:write"});
  const auto offer = call("POST", "/v1/offers",
                          {{"name", "5G"},
                           {"channel", "sms"},
                           {"template", "【中国移动】{{product_name}}，详情 {{landing_url}} 回复TD退订"},
                           {"product_code", "5G-PLUS"},
                           {"landing_url", "https://www.10086.cn/5g"},
                           {"valid_until", "2099-12-31T16:00:00Z"}});
  ASSERT_EQ(offer["status"], "approved");
  const json segment = {{"attribute", "city"}, {"in", {"jinan", "yantai", "qingdao"}}};
  const std::string audience = call("POST", "/v1/audiences", {{"segment", segment}})["id"];
  for (int i = 0; i < 200 && call("GET", "/v1/audiences/" + audience)["status"] != "ready"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  const std::string id = call("POST", "/v1/deliveries", {{"offer_id", offer["id"]}, {"audience_id", audience}})["id"];

  // Kill it while it sends.
  for (int i = 0; i < 400 && sink_lines(id).size() < 300; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  gw.stop(SIGKILL);
  std::cerr << "killed with " << sink_lines(id).size() << " sent\n";
  const auto before = sink_lines(id);
  ASSERT_GE(before.size(), 300u) << "the delivery did not get going:\n" << gw.log_text();

  gw.start();
  json d;
  for (int i = 0; i < 600; ++i) {
    d = call("GET", "/v1/deliveries/" + id);
    if (d["status"] == "completed" || d["status"] == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(d["status"], "completed") << d.dump()
                                      << gw.log_text().substr(gw.log_text().size() > 6000 ? gw.log_text().size() - 6000
                                                                                          : 0);
  ASSERT_LT(before.size(), sink_lines(id).size()) << "the kill came after the end; nothing was resumed";

  // Who should have got it: the same population, computed independently of the gateway.
  octopus::engine::reference::ReferenceEngine engine(octopus::engine::reference::generate_population(50'000, 20261128),
                                                     {.workers = 0});
  octopus::engine::CountQuery q;
  q.segment.kind = octopus::engine::SegmentNode::Kind::in;
  q.segment.attribute = "city";
  q.segment.values = {"jinan", "yantai", "qingdao"};
  q.consent = {"dpv:DirectMarketing", "internet", {"sms"}};
  const auto members = engine.members(engine.materialise(q).get().id, 0, 1'000'000).get().subscribers;
  const auto facts = engine.facts({members, "dpv:DirectMarketing", "internet", "sms", "5G-PLUS"}).get();
  std::map<std::uint64_t, int> expected;
  for (std::size_t i = 0; i < members.size(); ++i)
    if (facts[i].eligible) expected[members[i]] = 1;

  const auto after = sink_lines(id);
  EXPECT_EQ(after, expected);  // each exactly once, and all of them
  // The partner's figure is the exact count through the release model (noise, rounding).
  const auto shown = d["outcomes"]["delivered"].get<std::int64_t>();
  const auto exact = static_cast<std::int64_t>(expected.size());
  EXPECT_EQ(shown % 100, 0);
  EXPECT_LE(std::llabs(shown - exact), 100 + exact / 20);
  EXPECT_EQ(d["progress"], 1.0);
}

}  // namespace
