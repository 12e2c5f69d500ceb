// A partner's first program: make a key pair, then call the gateway with every request
// signed (RFC 9421, ed25519): ask what we may do, count an audience, submit an offer.
//
//   octopus-partner-example keygen KEY_FILE          writes a private key (PEM, 0600) and
//                                                     prints the public key to register
//   octopus-partner-example capabilities --gateway HOST:PORT --ca CA_FILE --key KEY_FILE --keyid ID
//   octopus-partner-example estimate --segment JSON --gateway HOST:PORT --ca CA_FILE --key KEY_FILE --keyid ID
//   octopus-partner-example offer --body JSON --gateway HOST:PORT --ca CA_FILE --key KEY_FILE --keyid ID
//   octopus-partner-example post PATH --body JSON --gateway ...   any other POST (deliveries, triggers, ...)
//   octopus-partner-example get PATH --gateway ...                 any GET (a delivery's progress, ...)
#include <sys/stat.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "octopus/client/https_connection.hpp"
#include "octopus/client/request_signer.hpp"
#include "octopus/protocol/base64.hpp"
#include "octopus/protocol/message_signatures.hpp"

namespace {

int keygen(const std::string& path) {
  auto key = octopus::protocol::Ed25519PrivateKey::generate();
  const mode_t old = umask(077);
  std::ofstream(path) << key.to_pem();
  umask(old);
  const auto pk = key.public_key();
  std::cout << octopus::protocol::base64_encode(pk.data(), pk.size()) << "\n";
  return 0;
}

// Sends one signed request (GET without a body, POST with a JSON body) and prints the answer.
int call(int argc, char** argv, const std::string& method, const std::string& target) {
  std::string gateway = "localhost:8443", ca, key_file, keyid, segment, body_json;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--gateway")
      gateway = value;
    else if (flag == "--ca")
      ca = value;
    else if (flag == "--key")
      key_file = value;
    else if (flag == "--keyid")
      keyid = value;
    else if (flag == "--segment")
      segment = value;
    else if (flag == "--body")
      body_json = value;
    else {
      std::cerr << "unknown option " << flag << "\n";
      return 2;
    }
  }
  std::ifstream in(key_file);
  std::stringstream pem;
  pem << in.rdbuf();
  auto key = octopus::protocol::Ed25519PrivateKey::from_pem(pem.str());
  if (!key || keyid.empty()) {
    std::cerr << "need --key with an Ed25519 PEM private key and --keyid\n";
    return 2;
  }
  const auto colon = gateway.rfind(':');
  const std::string host = gateway.substr(0, colon);
  const auto port = static_cast<unsigned short>(std::stoi(gateway.substr(colon + 1)));

  octopus::client::TlsOptions tls;
  tls.ca_file = ca;
  tls.server_name = host;
  octopus::client::HttpsConnection conn(host, port, tls);
  octopus::client::Credential credential{keyid, *key};
  std::vector<octopus::client::HeaderField> headers{{"x-correlator", "quickstart-1"}};
  const std::string body = method != "POST" ? "" : !body_json.empty() ? body_json : "{\"segment\":" + segment + "}";
  if (!body.empty()) {
    headers.push_back({"Content-Type", "application/json"});
    // A fresh key per logical request: if the answer is lost, the same request with the same
    // key is answered once (the signer covers the key too).
    headers.push_back({"Idempotency-Key", "\"" + octopus::protocol::generate_nonce() + "\""});
  }
  // The signer covers the body through Content-Digest, so it cannot be changed in transit.
  octopus::client::sign_request(method, conn.authority(), target, headers, body, credential);
  auto response = conn.send(method, target, headers, body);
  std::cout << "HTTP " << response.status << " (request id " << response.header("x-request-id") << ", "
            << conn.tls_version() << ")\n"
            << response.body << "\n";
  return response.status >= 200 && response.status < 300 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "keygen" && argc == 3) return keygen(argv[2]);
    if (cmd == "capabilities") return call(argc, argv, "GET", "/v1/capabilities");
    if (cmd == "estimate") return call(argc, argv, "POST", "/v1/audience-estimates");
    if (cmd == "offer") return call(argc, argv, "POST", "/v1/offers");
    // The path is the second word; the options follow it.
    if ((cmd == "post" || cmd == "get") && argc > 2 && std::string(argv[2]).starts_with("/v1/")) {
      const std::string path = argv[2];
      argv[2] = argv[1];  // call() reads options from argv[2] on: drop the path, keep pairs aligned
      return call(argc - 1, argv + 1, cmd == "post" ? "POST" : "GET", path);
    }
    std::cerr
        << "usage: octopus-partner-example keygen KEY_FILE\n"
           "       octopus-partner-example capabilities --gateway HOST:PORT --ca CA_FILE --key KEY_FILE --keyid ID\n"
           "       octopus-partner-example estimate --segment JSON --gateway HOST:PORT --ca CA_FILE --key KEY_FILE"
           " --keyid ID\n"
           "       octopus-partner-example offer --body JSON --gateway HOST:PORT --ca CA_FILE --key KEY_FILE"
           " --keyid ID\n"
           "       octopus-partner-example post /v1/PATH --body JSON --gateway ... (the same options)\n"
           "       octopus-partner-example get /v1/PATH --gateway ... (the same options)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "octopus-partner-example: " << e.what() << "\n";
    return 1;
  }
}
