// The settlement tests' common ground: a gateway over the shipped policies (SMS allowed at
// any hour, quotas off), a partner "acme" with every scope settlement needs, the partner's
// HTTPS callback receiver, and the steps that produce a settled order: deliver a 5G offer,
// learn whom it reached from the sink, and report an order through the admin API.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "engine/reference/reference_engine.hpp"
#include "eventually.hpp"
#include "gateway_harness.hpp"
#include "policy_dir.hpp"
#include "webhook_receiver.hpp"

namespace octopus::testing {

using nlohmann::json;

// A folder for the receiver's certificates, removed at the end.
class ReceiverDir {
 public:
  ReceiverDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "octopus-receiver-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~ReceiverDir() { std::filesystem::remove_all(path_); }
  std::string string() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

class SettlementFixture : public ::testing::Test {
 protected:
  // SMS may go out at any hour here, so the test does not depend on when it runs.
  ReceiverDir receiver_dir;
  PolicyDir dir = [] {
    PolicyDir d;
    d.replace("fatigue.yaml", "  sms:\n    windows:\n      - { from: \"21:00\", to: \"08:00\" }",
              "  sms:\n    windows: []");
    return d;
  }();
  // The partner's callback receiver, whose CA the gateway trusts; failed callbacks come
  // back after 200, 400 and 800 ms instead of hours, so the schedule runs within a test.
  WebhookReceiver receiver{receiver_dir.string()};
  GatewayHarness gw{[this](octopus::config::GatewayConfig& c) { configure(c); }};
  octopus::client::Credential acme =
      gw.create_partner("acme", {"offers:write", "audiences:read", "audiences:write", "deliveries:read",
                                 "deliveries:write", "settlements:read", "webhooks:read", "webhooks:write"});

  void configure(octopus::config::GatewayConfig& c) const {
    c.counters.enforce_quotas = false;
    c.policies_dir = dir.path().string();
    c.webhooks.allow_loopback = c.webhooks.dispatch.allow_loopback = true;
    c.webhooks.dispatch.ca_file = receiver.ca_file();
    c.webhooks.dispatch.retry_waits = {std::chrono::milliseconds(200), std::chrono::milliseconds(400),
                                       std::chrono::milliseconds(800)};
    c.webhooks.dispatch.retry_jitter = 0;
    c.webhooks.dispatch.poll = std::chrono::milliseconds(50);
  }

  json post(const std::string& target, const json& body, int expected) {
    auto r = gw.partner("POST", target, acme, body.dump(), {}, {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, expected) << target << ": " << r.body;
    return r.body.empty() ? json() : json::parse(r.body);
  }
  json settlements() { return json::parse(gw.partner("GET", "/v1/settlements", acme).body); }

  // Delivers a 5G offer to an audience and answers the subscribers the sink shows it reached.
  std::set<std::uint64_t> reached_subscribers() {
    const std::string offer = post("/v1/offers",
                                   {{"channel", "sms"},
                                    {"template", "【中国移动】{{product_name}}，详情 {{landing_url}} 回复TD退订"},
                                    {"product_code", "5G-PLUS"},
                                    {"landing_url", "https://www.10086.cn/5g"},
                                    {"valid_until", "2099-12-31T16:00:00Z"}},
                                   201)["id"];
    const std::string audience =
        post("/v1/audiences", {{"segment", {{"attribute", "city"}, {"in", {"jinan", "yantai"}}}}}, 202)["id"];
    EXPECT_TRUE(octopus::testing::eventually(
        [&] { return json::parse(gw.partner("GET", "/v1/audiences/" + audience, acme).body)["status"] == "ready"; }));
    const std::string delivery = post("/v1/deliveries", {{"offer_id", offer}, {"audience_id", audience}}, 202)["id"];
    EXPECT_TRUE(octopus::testing::eventually(
        [&] {
          return json::parse(gw.partner("GET", "/v1/deliveries/" + delivery, acme).body)["status"] == "completed";
        },
        std::chrono::seconds(20)));
    return reached_by(delivery);
  }
  // The subscribers the sink shows a delivery's messages reached.
  std::set<std::uint64_t> reached_by(const std::string& delivery) {
    std::set<std::uint64_t> reached;
    for (const auto& f : std::filesystem::directory_iterator(gw.data_dir() + "/messages")) {
      std::ifstream in(f.path());
      std::string line;
      while (std::getline(in, line))
        if (const auto j = json::parse(line); j["source"] == delivery)
          reached.insert(j["subscriber"].get<std::uint64_t>());
    }
    return reached;
  }
  // A subscriber of the engine's population that `reached` does not hold.
  std::uint64_t someone_else(const std::set<std::uint64_t>& reached) {
    auto& engine = dynamic_cast<octopus::engine::reference::ReferenceEngine&>(gw.app().engine());
    for (std::size_t row = 0;; ++row)
      if (!reached.count(engine.population().id(row))) return engine.population().id(row);
  }
  void report(std::uint64_t subscriber, const std::string& order_id, std::int64_t amount_fen) {
    const auto r = gw.admin("POST", "/admin/v1/conversions",
                            {{"subscriber", std::to_string(subscriber)},
                             {"product_code", "5G-PLUS"},
                             {"order_id", order_id},
                             {"amount_fen", amount_fen}});
    EXPECT_EQ(r.status, 201) << r.body;
  }
};

}  // namespace octopus::testing
