#include "auth/signature_authenticator.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "auth/auth_problems.hpp"
#include "octopus/protocol/content_digest.hpp"
#include "octopus/protocol/message_signatures.hpp"

namespace octopus::auth {

using protocol::SignatureError;

namespace {
const http::ProblemType& problem_for(SignatureError e) {
  switch (e) {
    case SignatureError::missing_headers: return problems::signature_missing;
    case SignatureError::missing_component: return problems::component_missing;
    default: return problems::signature_malformed;
  }
}

std::string describe(SignatureError e) {
  switch (e) {
    case SignatureError::missing_headers: return "Send Signature-Input and Signature (RFC 9421).";
    case SignatureError::malformed_headers:
      return "Signature-Input and Signature must be RFC 8941 dictionaries: an inner list of components with "
             "parameters, and a byte sequence.";
    case SignatureError::label_mismatch: return "Signature-Input and Signature must carry the same label.";
    case SignatureError::multiple_signatures: return "Send exactly one signature per request.";
    case SignatureError::malformed_component: return "A covered component identifier is not supported.";
    case SignatureError::duplicate_component: return "A component is covered more than once.";
    case SignatureError::missing_component: return "A covered component is absent from the request.";
    case SignatureError::non_ascii_value: return "A covered component value is not printable ASCII.";
    case SignatureError::bad_signature_length: return "An ed25519 signature is exactly 64 bytes.";
    case SignatureError::none: break;
  }
  return "The signature fields could not be used.";
}

// The parameters the policy requires, checked before any key lookup.
std::optional<http::Response> refuse_parameters(http::RequestContext& ctx, const protocol::SignatureParams& params,
                                                const SignaturePolicy& policy, std::int64_t now) {
  auto deny = [&ctx](const http::ProblemType& type, std::string detail) {
    return std::optional<http::Response>(http::make_problem(ctx, type, std::move(detail)));
  };
  if (params.alg && *params.alg != "ed25519")
    return deny(problems::algorithm_unsupported, "Only alg=\"ed25519\" is accepted.");
  if (!params.keyid || params.keyid->empty())
    return deny(problems::signature_malformed, "The keyid parameter is required.");
  if (!params.created) return deny(problems::signature_malformed, "The created parameter is required.");
  if (!params.nonce || params.nonce->empty())
    return deny(problems::nonce_missing, "The nonce parameter is required and must be unique per request.");
  if (params.nonce->size() > policy.max_nonce_length)
    return deny(problems::signature_malformed,
                "The nonce is longer than " + std::to_string(policy.max_nonce_length) + " characters.");
  if (*params.created > now + policy.max_skew_seconds)
    return deny(problems::signature_not_yet_valid, "created is ahead of the gateway's clock by more than " +
                                                       std::to_string(policy.max_skew_seconds) +
                                                       " s; check the client's clock.");
  if (*params.created < now - policy.max_skew_seconds)
    return deny(problems::signature_expired,
                "created is older than " + std::to_string(policy.max_skew_seconds) + " s; sign each request afresh.");
  if (params.expires && *params.expires <= now)
    return deny(problems::signature_expired, "The signature's expires time has passed.");
  return std::nullopt;
}

// The body, once the signed Content-Digest is known to be the partner's.
std::optional<http::Response> refuse_body(http::RequestContext& ctx) {
  const auto& req = ctx.request;
  if (req.body.empty()) return std::nullopt;
  switch (protocol::verify_content_digest(req.combined_header("content-digest"), req.body)) {
    case protocol::DigestCheck::ok: return std::nullopt;
    case protocol::DigestCheck::mismatch:
      return http::make_problem(ctx, problems::digest_mismatch, "Content-Digest does not match the received body.");
    case protocol::DigestCheck::unsupported:
      return http::make_problem(ctx, problems::digest_mismatch, "Content-Digest must include sha-256 (or sha-512).");
    case protocol::DigestCheck::malformed:
      return http::make_problem(ctx, problems::signature_malformed, "Content-Digest is not a valid RFC 9530 field.");
  }
  return std::nullopt;
}
}  // namespace

std::string normalize_authority(std::string_view host) { return protocol::normalize_authority("https", host); }

SignatureAuthenticator::SignatureAuthenticator(const PartnerDirectory& directory, NonceCache& nonces,
                                               SignaturePolicy policy, const Clock& clock)
    : directory_(directory), nonces_(nonces), policy_(std::move(policy)), clock_(clock) {
  policy_.public_authority = normalize_authority(policy_.public_authority);
}

std::optional<http::Response> SignatureAuthenticator::on_request(http::RequestContext& ctx) {
  const auto& req = ctx.request;
  auto deny = [&ctx](const http::ProblemType& type, std::string detail) {
    return std::optional<http::Response>(http::make_problem(ctx, type, std::move(detail)));
  };

  // 1. Parse the one signature.
  const std::string input = req.combined_header("signature-input");
  const std::string signature = req.combined_header("signature");
  if (!req.has_header("signature-input") || !req.has_header("signature"))
    return deny(problems::signature_missing, describe(SignatureError::missing_headers));
  SignatureError err = SignatureError::none;
  auto parsed = protocol::parse_signature(input, signature, "", &err);
  if (!parsed) return deny(problem_for(err), describe(err));
  const auto& params = parsed->params;

  // 2. Parameters the policy requires, before any key lookup.
  const std::int64_t now = clock_.unix_seconds();
  if (auto refused = refuse_parameters(ctx, params, policy_, now)) return refused;

  // 3. Covered components.
  if (!req.has_header("host")) return deny(http::problems::malformed_request, "The Host header is required.");
  const std::string authority =
      policy_.public_authority.empty() ? normalize_authority(req.header("host")) : policy_.public_authority;
  protocol::RequestView view{req.method, "https", authority, req.target, &req.headers};
  const bool has_body = !req.body.empty();
  for (const auto& needed : protocol::required_components(view, has_body)) {
    if (std::ranges::find(parsed->component_names, needed) == parsed->component_names.end())
      return deny(problems::component_missing, "The signature must cover \"" + needed + "\".");
  }

  // 4. The key.
  auto key = directory_.find_key(*params.keyid);
  if (!key) return deny(problems::unknown_key, "No active partner key has this keyid.");
  if (key->revoked) return deny(problems::key_revoked, "This key has been revoked; sign with a current key.");

  // 5. The signature itself.
  auto base = protocol::signature_base(view, parsed->covered, &err);
  if (!base) return deny(problem_for(err), describe(err));
  if (!protocol::verify_signature(*parsed, *base, key->public_key))
    return deny(problems::signature_invalid, "The signature does not verify over the covered components as received.");

  // 6. The body, now that the signed Content-Digest is known to be the partner's.
  if (auto refused = refuse_body(ctx)) return refused;

  // 7. Only a verified request may spend a nonce, so forgeries cannot burn them.
  if (!nonces_.remember(*params.keyid, *params.nonce, *params.created + policy_.max_skew_seconds + 1, now))
    return deny(problems::nonce_replayed, "This nonce was already used with this key.");

  const auto& partner = *key->partner;
  ctx.principal = http::Principal{partner.id,       *params.keyid,  partner.display_name, partner.tier,
                                  partner.category, partner.scopes, partner.organisation};
  if (partner.status != partners::PartnerStatus::active)
    return deny(problems::partner_suspended, "This partner account is suspended; contact the operator.");
  return std::nullopt;
}

}  // namespace octopus::auth
