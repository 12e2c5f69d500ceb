// Problem types of the partner authentication and authorization stages. Each failure a
// partner can fix has its own type so SDKs and support can tell them apart; none of the
// details mentions key material or the expected signature.
#pragma once
#include "http/problem.hpp"

namespace octopus::auth::problems {

using http::ProblemType;
inline constexpr ProblemType signature_missing{"signature-missing", 401, "Request is not signed"};
inline constexpr ProblemType signature_malformed{"signature-malformed", 401, "Malformed signature fields"};
inline constexpr ProblemType component_missing{"component-missing", 401, "Required component not signed"};
inline constexpr ProblemType signature_invalid{"signature-invalid", 401, "Signature does not verify"};
inline constexpr ProblemType unknown_key{"unknown-key", 401, "Unknown key"};
inline constexpr ProblemType key_revoked{"key-revoked", 401, "Key revoked"};
inline constexpr ProblemType signature_expired{"signature-expired", 401, "Signature expired"};
inline constexpr ProblemType signature_not_yet_valid{"signature-not-yet-valid", 401, "Signature not yet valid"};
inline constexpr ProblemType nonce_missing{"nonce-missing", 401, "Nonce required"};
inline constexpr ProblemType nonce_replayed{"nonce-replayed", 401, "Nonce already used"};
inline constexpr ProblemType digest_mismatch{"digest-mismatch", 401, "Content-Digest does not match the body"};
inline constexpr ProblemType algorithm_unsupported{"algorithm-unsupported", 401, "Signature algorithm not supported"};
inline constexpr ProblemType partner_suspended{"partner-suspended", 403, "Partner suspended"};
inline constexpr ProblemType insufficient_scope{"insufficient-scope", 403, "Insufficient scope"};

}  // namespace octopus::auth::problems
