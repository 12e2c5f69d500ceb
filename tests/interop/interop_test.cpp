// RFC 9421 interop with an independent implementation, the npm package
// http-message-signatures (pinned in package.json): requests it signs must pass the real
// gateway, and requests the C++ SDK signs must verify with it. Needs node and
// `npm ci --prefix tests/interop`; without them these tests fail, they never skip.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "octopus/sdk/webhook_verifier.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway_harness.hpp"
#include "settlement_fixture.hpp"
#include "octopus/client/request_signer.hpp"
#include "octopus/protocol/content_digest.hpp"
#include "octopus/protocol/ed25519.hpp"
#include "octopus/protocol/standard_webhooks.hpp"

namespace {

namespace fs = std::filesystem;
using octopus::client::Credential;
using octopus::client::HeaderField;

const fs::path kInteropDir = OCTOPUS_INTEROP_DIR;

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct RunResult {
  int exit_code = -1;  // -1 when the command did not exit normally
  std::string output;  // stdout and stderr
};

RunResult run(const std::string& command) {
  RunResult r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

// Empty when node and the pinned npm dependencies are there; otherwise what to do about it.
std::string node_setup_problem() {
  const auto node = run("node --version");
  if (node.exit_code != 0) {
    auto said = node.output;
    while (!said.empty() && (said.back() == '\n' || said.back() == '\r')) said.pop_back();
    return "node is not available (" + said + "): install Node.js >= 18, then run `npm ci --prefix tests/interop`";
  }
  if (!fs::exists(kInteropDir / "node_modules" / "http-message-signatures" / "package.json"))
    return "tests/interop/node_modules is missing: run `npm ci --prefix tests/interop` (from the repository root)";
  return "";
}

#define REQUIRE_NODE()                                                 \
  do {                                                                 \
    if (const auto problem = node_setup_problem(); !problem.empty()) { \
      FAIL() << problem;                                               \
    }                                                                  \
  } while (false)

// A private temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("octopus-interop-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directory(path_);
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::replace);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `content` to a new file readable by the owner only (0600) and returns its path.
  std::string write(const std::string& name, const std::string& content) const {
    const auto file = (path_ / name).string();
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot create " + file);
    std::size_t done = 0;
    while (done < content.size()) {
      const auto n = ::write(fd, content.data() + done, content.size() - done);
      if (n <= 0) {
        ::close(fd);
        throw std::runtime_error("cannot write " + file);
      }
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return file;
  }

 private:
  fs::path path_;
};

std::string node_command(const std::string& script) { return "node " + shell_quote((kInteropDir / script).string()); }

// Shared by both directions: a private temp dir, and the C++ side of "the SDK signs, node
// verifies" (a fresh key; requests addressed to https://localhost:8443).
class Interop : public ::testing::Test {
 protected:
  static constexpr const char* kAuthority = "localhost:8443";  // non-default port: kept in @authority

  Credential cred{"interop-key-1", octopus::protocol::Ed25519PrivateKey::generate()};
  TempDir tmp;
  int files = 0;

  struct Signed {
    std::string method;
    std::string target;
    std::vector<HeaderField> headers;
    std::string body;
  };

  Signed sign(const std::string& method, const std::string& target, std::vector<HeaderField> headers = {},
              const std::string& body = "") {
    octopus::client::sign_request(method, kAuthority, target, headers, body, cred);
    return {method, target, std::move(headers), body};
  }

  // Writes the JSON description node_verifies.js reads and runs it.
  RunResult verify_with_node(const Signed& r, bool expect_fail) {
    nlohmann::json headers = nlohmann::json::object();
    for (const auto& h : r.headers) {
      if (!headers.contains(h.name)) {
        headers[h.name] = h.value;
      } else {
        if (!headers[h.name].is_array()) headers[h.name] = nlohmann::json::array({headers[h.name]});
        headers[h.name].push_back(h.value);
      }
    }
    nlohmann::json description = {
        {"method", r.method},
        {"url", std::string("https://") + kAuthority + r.target},
        {"headers", headers},
        {"public_key_pem", octopus::protocol::ed25519_public_key_to_pem(cred.key.public_key())},
    };
    if (!r.body.empty()) description["body"] = r.body;
    const auto file = tmp.write("request-" + std::to_string(++files) + ".json", description.dump(2));
    return run(node_command("node_verifies.js") + " " + shell_quote(file) + (expect_fail ? " --expect-fail" : ""));
  }

  static std::string header(const Signed& r, const std::string& name) {
    for (const auto& h : r.headers)
      if (h.name == name) return h.value;
    return "";
  }
  static void set_header(Signed& r, const std::string& name, const std::string& value) {
    for (auto& h : r.headers)
      if (h.name == name) h.value = value;
  }
};

// ---------------------------------------------------------------------------------------
// Node signs, the gateway verifies.

TEST_F(Interop, NodeSignedRequestsAreAccepted) {
  REQUIRE_NODE();
  octopus::testing::GatewayHarness gw;
  const Credential partner = gw.create_partner("node-partner", {"audiences:read"});
  const auto key_file = tmp.write("partner-key.pem", partner.key.to_pem());

  const auto result = run(node_command("node_signs.js") + " --port " + std::to_string(gw.partner_port()) + " --ca " +
                          shell_quote(gw.ca_file()) + " --key " + shell_quote(key_file) + " --keyid " +
                          shell_quote(partner.key_id) + " --partner node-partner");
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

// ---------------------------------------------------------------------------------------
// The C++ SDK signs, node verifies.

TEST_F(Interop, ProjectSignedRequestVerifiesWithNode) {
  REQUIRE_NODE();
  const auto r = sign("GET", "/v1/capabilities?limit=5");
  ASSERT_NE(header(r, "Signature-Input").find("\"@query\""), std::string::npos) << header(r, "Signature-Input");

  const auto ok = verify_with_node(r, false);
  EXPECT_EQ(ok.exit_code, 0) << header(r, "Signature-Input") << "\n" << ok.output;

  auto as_post = r;
  as_post.method = "POST";
  const auto post = verify_with_node(as_post, true);
  EXPECT_EQ(post.exit_code, 0) << "method changed to POST must not verify\n" << post.output;

  auto other_query = r;
  other_query.target = "/v1/capabilities?limit=6";
  const auto query = verify_with_node(other_query, true);
  EXPECT_EQ(query.exit_code, 0) << "query changed must not verify\n" << query.output;
}

TEST_F(Interop, ProjectSignedRequestWithBodyVerifiesWithNode) {
  REQUIRE_NODE();
  const std::string body = R"({"name":"interop audience","members":["a","b"]})";
  const auto r = sign(
      "POST", "/v1/audiences?dry_run=true",
      {{"Content-Type", "application/json"}, {"Idempotency-Key", "\"6f1c2a0e-3d4b-4e5f-8a9b-0c1d2e3f4a5b\""}}, body);
  const auto input = header(r, "Signature-Input");
  ASSERT_NE(input.find("\"content-digest\""), std::string::npos) << input;
  ASSERT_NE(input.find("\"idempotency-key\""), std::string::npos) << input;

  const auto ok = verify_with_node(r, false);
  EXPECT_EQ(ok.exit_code, 0) << input << "\n" << ok.output;

  // A different body under the signed Content-Digest: the signature holds, the digest does not.
  auto other_body = r;
  other_body.body = R"({"name":"interop audience","members":["a","b","c"]})";
  const auto body_changed = verify_with_node(other_body, true);
  EXPECT_EQ(body_changed.exit_code, 0) << "changed body must not verify\n" << body_changed.output;

  // A Content-Digest swapped to match that body: now the signature breaks.
  auto other_digest = other_body;
  set_header(other_digest, "Content-Digest", octopus::protocol::content_digest_sha256(other_digest.body));
  const auto digest_changed = verify_with_node(other_digest, true);
  EXPECT_EQ(digest_changed.exit_code, 0) << "changed Content-Digest must not verify\n" << digest_changed.output;
}

// Standard Webhooks: what the gateway signs, the npm `standardwebhooks` package verifies (and
// refuses once tampered with); what the package signs, ours verifies.
TEST_F(Interop, WebhookCallbacksVerifyBothWaysWithTheStandardWebhooksPackage) {
  REQUIRE_NODE();
  ASSERT_TRUE(fs::exists(kInteropDir / "node_modules" / "standardwebhooks" / "package.json"))
      << "run `npm ci --prefix tests/interop`";
  using namespace octopus::protocol;
  const auto secret = WebhookSecret::generate();
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string id = "msg_2f9c1e7a0b3d4c5e6f708192a3b4c5d6";
  const std::string body =
      R"({"type":"settlement.earned","timestamp":"2026-12-06T08:00:00Z","data":{"amount_fen":320,"currency":"CNY"}})";
  auto callback = [&](const std::string& signed_body, const std::string& signature) {
    return tmp.write("callback-" + std::to_string(++files) + ".json", nlohmann::json{{"secret", secret.to_string()},
                                                                                     {"id", id},
                                                                                     {"timestamp", now},
                                                                                     {"body", signed_body},
                                                                                     {"signature", signature}}
                                                                          .dump());
  };
  const auto signature = webhook_signature_header({secret}, id, now, body);
  const auto ok = run(node_command("node_webhooks.js") + " verify " + shell_quote(callback(body, signature)));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  // Two signatures, as during a secret's rotation: the package accepts the one it can check.
  const auto rotating = webhook_signature_header({WebhookSecret::generate(), secret}, id, now, body);
  const auto both = run(node_command("node_webhooks.js") + " verify " + shell_quote(callback(body, rotating)));
  EXPECT_EQ(both.exit_code, 0) << both.output;
  auto tampered = body;
  tampered.replace(tampered.find("320"), 3, "999");
  const auto refused = run(node_command("node_webhooks.js") + " verify " + shell_quote(callback(tampered, signature)) +
                           " --expect-fail");
  EXPECT_EQ(refused.exit_code, 0) << "a tampered body must not verify\n" << refused.output;

  const auto node_signed = run(node_command("node_webhooks.js") + " sign " + shell_quote(callback(body, "")));
  ASSERT_EQ(node_signed.exit_code, 0) << node_signed.output;
  EXPECT_EQ(verify_webhook({secret}, id, std::to_string(now), body, node_signed.output, now), WebhookVerdict::valid)
      << node_signed.output;
  EXPECT_EQ(verify_webhook({secret}, id, std::to_string(now), tampered, node_signed.output, now),
            WebhookVerdict::bad_signature);
}

// The SDK's WebhookVerifier, as partners use it, accepts callbacks the npm `standardwebhooks`
// package signs, and refuses them tampered with, expired, or checked with the wrong secret.
TEST_F(Interop, TheSdksWebhookVerifierAcceptsWhatTheStandardWebhooksPackageSigns) {
  REQUIRE_NODE();
  const auto secret = octopus::protocol::WebhookSecret::generate();
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string id = "msg_0a1b2c3d4e5f60718293a4b5c6d7e8f9";
  const std::string body = R"({"type":"settlement.earned","data":{"order_id":"ORD-1","amount_fen":320}})";
  auto node_sign = [&](std::int64_t at) {
    const auto file =
        tmp.write("sdk-callback-" + std::to_string(++files) + ".json",
                  nlohmann::json{{"secret", secret.to_string()}, {"id", id}, {"timestamp", at}, {"body", body}}.dump());
    const auto signed_by_node = run(node_command("node_webhooks.js") + " sign " + shell_quote(file));
    EXPECT_EQ(signed_by_node.exit_code, 0) << signed_by_node.output;
    return octopus::WebhookHeaders{id, std::to_string(at), signed_by_node.output};
  };
  const octopus::WebhookVerifier verifier({secret.to_string()});
  const auto fresh = node_sign(now);
  EXPECT_NO_THROW(verifier.verify(fresh, body)) << fresh.signature;
  auto tampered = body;
  tampered.replace(tampered.find("320"), 3, "999");
  EXPECT_FALSE(verifier.is_valid(fresh, tampered));
  EXPECT_FALSE(
      octopus::WebhookVerifier({octopus::protocol::WebhookSecret::generate().to_string()}).is_valid(fresh, body));
  try {
    verifier.verify(node_sign(now - 600), body);
    ADD_FAILURE() << "a callback signed ten minutes ago was accepted";
  } catch (const octopus::WebhookVerificationError& e) {
    EXPECT_EQ(e.reason(), octopus::WebhookRejection::stale);
  }
}

// The dispatcher's own callbacks, as a real receiver got them from a running gateway: every
// one verifies with the npm `standardwebhooks` package (v1) and with node's Ed25519 (v1a);
// a tampered one with neither.
class DispatchedCallbacks : public octopus::testing::SettlementFixture {
 protected:
  TempDir tmp;
  int files = 0;
  std::string saved(const nlohmann::json& callback) {
    return tmp.write("dispatched-" + std::to_string(++files) + ".json", callback.dump());
  }
};

TEST_F(DispatchedCallbacks, VerifyWithTheStandardWebhooksPackageAndNodeEd25519) {
  REQUIRE_NODE();
  ASSERT_EQ(gw.admin("POST", "/admin/v1/partners/acme/contracts",
                     {{"product_code", "5G-PLUS"},
                      {"model", "cpa"},
                      {"cpa_fen", 600},
                      {"effective_from", "2026-01-01T00:00:00Z"}})
                .status,
            201);
  const auto made = post(
      "/v1/webhook-endpoints",
      {{"url", receiver.url()}, {"event_types", {"settlement.earned"}}, {"signature_versions", {"v1", "v1a"}}}, 201);
  const auto subscriber = *reached_subscribers().begin();
  for (int i = 1; i <= 3; ++i) report(subscriber, "ORD-" + std::to_string(i), 1'000);
  ASSERT_TRUE(octopus::testing::eventually([&] { return receiver.count() >= 3; })) << receiver.count();
  const auto keys = nlohmann::json::parse(gw.partner("GET", "/v1/webhook-signing-keys", acme).body)["keys"];
  for (const auto& c : receiver.received()) {
    const nlohmann::json callback = {{"secret", made["secret"]},
                                     {"public_key", keys[0]["public_key"]},
                                     {"id", c.id},
                                     {"timestamp", std::stoll(c.timestamp)},
                                     {"body", c.body},
                                     {"signature", c.signature}};
    const auto file = shell_quote(saved(callback));
    const auto v1 = run(node_command("node_webhooks.js") + " verify " + file);
    EXPECT_EQ(v1.exit_code, 0) << v1.output;
    const auto v1a = run(node_command("node_webhooks.js") + " verify-v1a " + file);
    EXPECT_EQ(v1a.exit_code, 0) << v1a.output;
    auto tampered = callback;
    tampered["body"] = c.body + " ";
    const auto bad = shell_quote(saved(tampered));
    EXPECT_EQ(run(node_command("node_webhooks.js") + " verify " + bad + " --expect-fail").exit_code, 0);
    EXPECT_EQ(run(node_command("node_webhooks.js") + " verify-v1a " + bad + " --expect-fail").exit_code, 0);
  }
}

}  // namespace
