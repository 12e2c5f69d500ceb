// RFC 9421 HTTP Message Signatures: signature base construction, signing and the parsing
// half of verification. Policy (which components are required, clock skew, nonce replay,
// key lookup) belongs to the caller: the gateway's auth stage or a partner's webhook code.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "octopus/protocol/ed25519.hpp"
#include "octopus/protocol/http_message.hpp"
#include "octopus/protocol/structured_fields.hpp"

namespace octopus::protocol {

// Why a signature base could not be built or a signature could not be parsed. The
// gateway maps each to its own problem type; the texts never contain key material.
enum class SignatureError {
  none,
  missing_headers,       // Signature-Input or Signature absent
  malformed_headers,     // not RFC 8941 dictionaries / wrong member types
  label_mismatch,        // a label present in one field only, or no usable label
  multiple_signatures,   // more than one label where exactly one is required
  malformed_component,   // unknown derived component, bad identifier or parameter
  duplicate_component,   // the same identifier listed twice
  missing_component,     // a covered header field or query is absent from the message
  non_ascii_value,       // a component value that is not printable ASCII
  bad_signature_length,  // the Signature byte sequence is not 64 bytes
};

std::string_view to_string(SignatureError e);

// The signature parameters of RFC 9421 §2.3, as parsed from a Signature-Input member.
struct SignatureParams {
  std::optional<std::int64_t> created;
  std::optional<std::int64_t> expires;
  std::optional<std::string> nonce;
  std::optional<std::string> alg;
  std::optional<std::string> keyid;
  std::optional<std::string> tag;
};

// One signature taken out of a request's Signature-Input and Signature fields.
struct ParsedSignature {
  std::string label;
  sf::InnerList covered;                     // the member exactly as parsed (identifiers + params)
  std::vector<std::string> component_names;  // the identifiers' names, lowercased headers
  SignatureParams params;
  std::vector<std::uint8_t> signature;  // raw bytes from the Signature field
};

// Computes the value of one component (derived "@..." or a header field) for a request.
// `identifier` is one item of the covered inner list (a String plus parameters).
// Supported derived components: @method @target-uri @authority @scheme @request-target
// @path @query @query-param;name=. Header parameters supported: none other than plain
// fields (sf/key/bs/req/tr are refused as malformed_component).
std::optional<std::string> component_value(const RequestView& request, const sf::Item& identifier,
                                           SignatureError* error);

// Builds the exact signature base (RFC 9421 §2.5) for `covered` over `request`: no
// trailing newline. Fails on a missing, duplicate or malformed component.
std::optional<std::string> signature_base(const RequestView& request, const sf::InnerList& covered,
                                          SignatureError* error);

// Extracts the single signature of a request. When `label` is non-empty that label is
// used; otherwise the request must carry exactly one signature (multiple_signatures).
// The Signature-Input and Signature values are the combined field values (field lines
// joined with ", ").
std::optional<ParsedSignature> parse_signature(std::string_view signature_input, std::string_view signature,
                                               std::string_view label, SignatureError* error);

// Verifies an already-parsed signature's bytes over `base` with `key`. Only checks the
// cryptography: the caller has already applied its policy to the parameters.
bool verify_signature(const ParsedSignature& parsed, std::string_view base, const Ed25519PublicKey& key);

// What a signer puts on a request.
struct SignOptions {
  std::string label = "sig1";
  // Component identifiers to cover, in order, e.g. {"@method","@authority","@path",
  // "@query","content-digest","idempotency-key"}. Header names must be lowercase.
  std::vector<std::string> components;
  std::string keyid;
  std::int64_t created = 0;  // Unix seconds
  std::optional<std::int64_t> expires;
  std::string nonce;        // empty: omitted
  bool include_alg = true;  // adds alg="ed25519"
  std::optional<std::string> tag;
};

struct SignatureFields {
  std::string signature_input;  // value for the Signature-Input header
  std::string signature;        // value for the Signature header
  std::string base;             // the signature base that was signed (for diagnostics)
};

// Signs `request` (which must already carry every covered header, e.g. Content-Digest).
// Parameters are serialized in the order created, expires, nonce, keyid, alg, tag.
std::optional<SignatureFields> sign_request(const RequestView& request, const SignOptions& options,
                                            const Ed25519PrivateKey& key, SignatureError* error);

// The components a partner request must cover under the gateway's policy (docs/standards.md §2):
// @method @authority @path, plus @query when the target has a query, content-digest when
// a body is sent, idempotency-key when that header is sent.
std::vector<std::string> required_components(const RequestView& request, bool has_body);

// A fresh random nonce (16 random bytes, base64url without padding).
std::string generate_nonce();

}  // namespace octopus::protocol
