// Live policy reload on a running gateway: the admin view of the active set, reload by the
// admin API and by file change, refusal of invalid sets, the audit trail, and reloads while
// partner requests keep flowing.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "eventually.hpp"
#include "gateway_harness.hpp"
#include "policy_dir.hpp"

using nlohmann::json;
using octopus::testing::GatewayHarness;
using octopus::testing::PolicyDir;
using octopus::testing::problem_slug;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), d, &n, EVP_sha256(), nullptr);
  std::string out;
  char buf[3];
  for (unsigned i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", d[i]);
    out += buf;
  }
  return out;
}

class PolicyReload : public ::testing::Test {
 protected:
  PolicyDir dir;
  GatewayHarness gw{[this](octopus::config::GatewayConfig& c) {
    c.policies_dir = dir.path().string();
    c.policy_watch_interval = std::chrono::milliseconds(0);  // only explicit reloads here
    // The clients below call as fast as they can; plan limits are tested in quota_test.cpp.
    c.counters.enforce_quotas = false;
  }};
  octopus::client::Credential acme = gw.create_partner("acme", {"audiences:read"});

  std::string active_version() { return json::parse(gw.admin("GET", "/admin/v1/policies").body)["version"]; }
  json reload_audit() {
    auto r = gw.admin("GET", "/admin/v1/audit?action=policy.reload&limit=500");
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body)["items"];
  }
};

TEST_F(PolicyReload, AdminShowsTheActiveSetAndPartnerResponsesCarryItsVersion) {
  auto r = gw.admin("GET", "/admin/v1/policies");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body);
  EXPECT_EQ(body["loaded_by"], "startup");
  EXPECT_EQ(body["directory"], dir.path().string());
  ASSERT_EQ(body["files"].size(), 6u);  // consent, privacy, fatigue, content, quotas, settlement
  for (const auto& f : body["files"])
    EXPECT_EQ(f["sha256"], sha256_hex(read_file(dir.path() / f["name"].get<std::string>()))) << f["name"];
  EXPECT_EQ(body["version"], gw.app().policy_version());

  auto p = gw.partner("GET", "/v1/capabilities", acme);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.header("Octopus-Policy-Version"), body["version"].get<std::string>());

  // The start itself is audited.
  auto audit = reload_audit();
  ASSERT_GE(audit.size(), 1u);
  EXPECT_EQ(audit[0]["actor"], "startup");
  EXPECT_EQ(audit[0]["outcome"], "accepted");
  EXPECT_EQ(audit[0]["policy_version"], body["version"]);
}

TEST_F(PolicyReload, AnInvalidSetIsRefusedWithItsErrorsAndTheOldVersionKeepsServing) {
  const auto before = active_version();
  dir.set_k(0);
  auto r = gw.admin("POST", "/admin/v1/policies/reload", json{{"reason", "CHG-1042 lower k"}});
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(problem_slug(r), "policy-set-refused");
  auto body = json::parse(r.body);
  EXPECT_EQ(body["active_version"], before);
  ASSERT_GE(body["errors"].size(), 1u);
  bool names_the_rule = false;
  for (const auto& e : body["errors"])
    names_the_rule = names_the_rule || (e["file"] == "privacy.yaml" && e["line"].get<int>() > 0 &&
                                        e["pointer"] == "/minimum_audience_size");
  EXPECT_TRUE(names_the_rule) << r.body;

  EXPECT_EQ(active_version(), before);
  auto p = gw.partner("GET", "/v1/capabilities", acme);
  ASSERT_EQ(p.status, 200);
  EXPECT_EQ(p.header("Octopus-Policy-Version"), before);

  auto audit = reload_audit();
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[1]["actor"], "compliance");  // the account that asked
  EXPECT_EQ(audit[1]["outcome"], "refused");
  EXPECT_EQ(audit[1]["policy_version"], before);
  EXPECT_EQ(audit[1]["detail"]["reason"], "CHG-1042 lower k");
  EXPECT_GE(audit[1]["detail"]["errors"].size(), 1u);
}

TEST_F(PolicyReload, AValidEditIsSwappedInAndAuditedFromOldToNewVersion) {
  const auto before = active_version();
  dir.set_k(120);
  auto r = gw.admin("POST", "/admin/v1/policies/reload");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body);
  EXPECT_EQ(body["outcome"], "accepted");
  EXPECT_EQ(body["previous_version"], before);
  const std::string after = body["version"];
  EXPECT_NE(after, before);
  EXPECT_EQ(active_version(), after);
  EXPECT_EQ(json::parse(gw.admin("GET", "/admin/v1/policies").body)["loaded_by"], "compliance");
  EXPECT_EQ(gw.partner("GET", "/v1/capabilities", acme).header("Octopus-Policy-Version"), after);

  // Reloading the same files again changes nothing, and says so.
  auto again = gw.admin("POST", "/admin/v1/policies/reload");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(json::parse(again.body)["outcome"], "unchanged");

  auto audit = reload_audit();
  ASSERT_EQ(audit.size(), 3u);
  EXPECT_EQ(audit[1]["outcome"], "accepted");
  EXPECT_EQ(audit[1]["detail"]["previous_version"], before);
  EXPECT_EQ(audit[1]["detail"]["version"], after);
  EXPECT_EQ(audit[1]["policy_version"], after);
  EXPECT_EQ(audit[2]["outcome"], "unchanged");
}

TEST_F(PolicyReload, ReloadRequestsWithBadBodiesAreRefusedWithoutReloading) {
  const auto before = active_version();
  dir.set_k(150);
  auto unknown = gw.admin("POST", "/admin/v1/policies/reload", json{{"force", true}});
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(problem_slug(unknown), "validation-error");
  auto long_reason = gw.admin("POST", "/admin/v1/policies/reload", json{{"reason", std::string(501, 'x')}});
  EXPECT_EQ(long_reason.status, 422);
  auto not_object = gw.admin("POST", "/admin/v1/policies/reload", json::array({1}));
  EXPECT_EQ(not_object.status, 400);
  EXPECT_EQ(active_version(), before);
  EXPECT_EQ(reload_audit().size(), 1u);  // only the start
  auto bad_cursor = gw.admin("GET", "/admin/v1/audit?cursor=abc");
  EXPECT_EQ(bad_cursor.status, 400);
  auto bad_limit = gw.admin("GET", "/admin/v1/audit?limit=0");
  EXPECT_EQ(bad_limit.status, 400);
}

TEST(PolicyFileWatch, AnEditedFileIsPickedUpWithoutAnyCommand) {
  PolicyDir dir;
  GatewayHarness gw{[&](octopus::config::GatewayConfig& c) {
    c.policies_dir = dir.path().string();
    c.policy_watch_interval = std::chrono::milliseconds(50);
  }};
  const std::string before = json::parse(gw.admin("GET", "/admin/v1/policies").body)["version"];
  dir.set_k(130);
  json status;
  EXPECT_TRUE(octopus::testing::eventually([&] {
    status = json::parse(gw.admin("GET", "/admin/v1/policies").body);
    return status["version"] != before;
  }));
  EXPECT_EQ(status["loaded_by"], "file-watch");

  // A broken edit is refused once and the last good version stays.
  const std::string good = status["version"];
  dir.set_k(0);
  auto reloads = [&] { return json::parse(gw.admin("GET", "/admin/v1/audit?action=policy.reload").body)["items"]; };
  EXPECT_TRUE(octopus::testing::eventually([&] { return reloads().size() >= 3; }));
  // "Once": five more watch intervals bring no second refusal of the same files.
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_EQ(json::parse(gw.admin("GET", "/admin/v1/policies").body)["version"], good);
  auto audit = reloads();
  ASSERT_EQ(audit.size(), 3u) << audit.dump();  // startup, the good edit, the broken one (once)
  EXPECT_EQ(audit[2]["actor"], "file-watch");
  EXPECT_EQ(audit[2]["outcome"], "refused");
}

// 100 reloads (one in five invalid) while two clients keep calling: no request fails, and
// every response carries a version that was active while it was in flight.
TEST_F(PolicyReload, HundredReloadsWhileRequestsFlow) {
  std::mutex m;
  std::vector<std::string> versions{active_version()};  // in activation order
  std::atomic<std::size_t> recorded{0};                 // index of the newest version the test has seen accepted
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, responses{0};
  std::string first_failure;
  struct Seen {
    std::size_t sent_at, received_at;
    std::string version;
  };
  std::vector<Seen> seen;

  auto client = [&] {
    auto conn = gw.partner_connection();
    while (!stop.load()) {
      const std::size_t sent_at = recorded.load();
      std::vector<octopus::client::HeaderField> headers;
      octopus::client::sign_request("GET", gw.authority(), "/v1/capabilities", headers, "", acme);
      auto r = conn.send("GET", "/v1/capabilities", headers);
      const std::size_t received_at = recorded.load();
      ++responses;
      std::lock_guard lock(m);
      if (r.status != 200) {
        if (failures++ == 0) first_failure = std::to_string(r.status) + " " + r.body;
        continue;
      }
      seen.push_back({sent_at, received_at, std::string(r.header("Octopus-Policy-Version"))});
    }
  };
  std::thread a(client), b(client);

  int refused = 0;
  for (int i = 1; i <= 100; ++i) {
    const bool invalid = i % 5 == 0;
    dir.set_k(invalid ? 0 : 100 + i);
    auto r = gw.admin("POST", "/admin/v1/policies/reload");
    if (invalid) {
      ASSERT_EQ(r.status, 422) << r.body;
      ++refused;
      EXPECT_EQ(active_version(), versions.back());  // the old version keeps serving
    } else {
      ASSERT_EQ(r.status, 200) << r.body;
      auto body = json::parse(r.body);
      ASSERT_EQ(body["outcome"], "accepted");
      std::lock_guard lock(m);
      versions.push_back(body["version"]);
      recorded.store(versions.size() - 1);
    }
  }
  // Let the clients see the last version too.
  EXPECT_TRUE(octopus::testing::eventually([&] {
    std::lock_guard lock(m);
    return !seen.empty() && seen.back().version == versions.back();
  }));
  stop = true;
  a.join();
  b.join();

  EXPECT_EQ(refused, 20);
  EXPECT_EQ(versions.size(), 81u);
  EXPECT_EQ(std::set<std::string>(versions.begin(), versions.end()).size(), 81u);
  EXPECT_EQ(failures.load(), 0) << first_failure;
  // Each version must be one activated no earlier than the newest the test knew of at send
  // time, and no later than one past the newest it knew of at receipt (the gateway swaps
  // before it answers the reload, so a client can see a version the test records just after).
  int out_of_window = 0;
  std::string first_out;
  for (const auto& s : seen) {
    bool in_window = false;
    for (std::size_t i = s.sent_at; i < versions.size() && i <= s.received_at + 1; ++i)
      in_window = in_window || versions[i] == s.version;
    if (!in_window && out_of_window++ == 0)
      first_out = "version '" + s.version + "' outside versions[" + std::to_string(s.sent_at) + ".." +
                  std::to_string(s.received_at + 1) + "]";
  }
  EXPECT_EQ(out_of_window, 0) << first_out;
  EXPECT_GT(responses.load(), 50);
  EXPECT_EQ(reload_audit().size(), 101u);
}

}  // namespace
