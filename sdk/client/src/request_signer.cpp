#include "octopus/client/request_signer.hpp"

#include <chrono>
#include <stdexcept>

#include "octopus/protocol/content_digest.hpp"
#include "octopus/protocol/message_signatures.hpp"

namespace octopus::client {

void sign_request(std::string_view method, std::string_view authority, std::string_view target,
                  std::vector<protocol::HeaderField>& headers, std::string_view body, const Credential& credential,
                  const SigningOverrides& overrides) {
  if (!body.empty()) headers.push_back({"Content-Digest", protocol::content_digest_sha256(body)});
  protocol::RequestView view{method, "https", authority, target, &headers};
  protocol::SignOptions options;
  options.label = overrides.label;
  options.components = protocol::required_components(view, !body.empty());
  options.keyid = credential.key_id;
  options.created = overrides.created.value_or(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  options.nonce = overrides.nonce.value_or(protocol::generate_nonce());
  protocol::SignatureError error = protocol::SignatureError::none;
  auto fields = protocol::sign_request(view, options, credential.key, &error);
  if (!fields) throw std::invalid_argument("cannot sign request: " + std::string(protocol::to_string(error)));
  headers.push_back({"Signature-Input", std::move(fields->signature_input)});
  headers.push_back({"Signature", std::move(fields->signature)});
}

}  // namespace octopus::client
