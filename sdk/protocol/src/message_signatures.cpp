// RFC 9421 for requests signed with ed25519. The same code builds the signature base on
// both sides (the SDK when signing, the gateway when verifying), so the two can only
// disagree about the message, never about the encoding.
#include "octopus/protocol/message_signatures.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <set>

#include "octopus/protocol/base64.hpp"

namespace octopus::protocol {
namespace {

constexpr std::string_view kSignatureParamsPrefix = "\"@signature-params\": ";

void set_error(SignatureError* error, SignatureError value) {
  if (error != nullptr) *error = value;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ascii_lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

}  // namespace

std::string normalize_authority(std::string_view scheme, std::string_view authority) {
  std::string out = ascii_lowercase(authority);
  const std::string lower_scheme = ascii_lowercase(scheme);
  const std::string_view default_port = lower_scheme == "https" ? ":443" : lower_scheme == "http" ? ":80" : "";
  // The port follows the last ':' after any IPv6 literal's closing bracket.
  const auto bracket = out.rfind(']');
  const auto colon = out.rfind(':');
  const bool has_port = colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
  if (has_port && !default_port.empty() && std::string_view(out).substr(colon) == default_port && colon > 0)
    out.resize(colon);
  return out;
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A covered header name: a field-name token, already lowercase (RFC 9421 §2.1).
bool is_lowercase_field_name(std::string_view name) {
  return !name.empty() &&
         std::all_of(name.begin(), name.end(), [](char c) { return is_tchar(c) && !(c >= 'A' && c <= 'Z'); });
}

// Derived values must be printable ASCII without surrounding whitespace (RFC 9421 §2.2):
// anything else could smuggle a line break or an ambiguous byte into the base.
bool is_clean_derived_value(std::string_view v) {
  if (!v.empty() && (v.front() == ' ' || v.back() == ' ')) return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

// Field values may also hold HTAB (field-content); CR, LF and non-ASCII are refused.
bool is_clean_field_value(std::string_view v) {
  return std::all_of(v.begin(), v.end(), [](char c) { return c == '\t' || (c >= 0x20 && c <= 0x7E); });
}

// Replaces each obs-fold (OWS CRLF RWS, or a bare LF in place of CRLF) with one SP
// (RFC 9421 §2.1). A CR or LF that is not part of a fold is left for the value check to reject.
std::string unfold(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  std::size_t i = 0;
  while (i < raw.size()) {
    std::size_t newline = 0;
    if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') {
      newline = 2;
    } else if (raw[i] == '\n') {
      newline = 1;
    }
    if (newline != 0 && i + newline < raw.size() && is_ows(raw[i + newline])) {
      while (!out.empty() && is_ows(out.back())) out.pop_back();
      i += newline;
      while (i < raw.size() && is_ows(raw[i])) ++i;
      out += ' ';
      continue;
    }
    out += raw[i++];
  }
  return out;
}

struct SplitTarget {
  std::string_view path;
  std::optional<std::string_view> query;  // without the '?'; nullopt when there is no '?'
};

SplitTarget split_target(std::string_view target) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {target, std::nullopt};
  return {target.substr(0, q), target.substr(q + 1)};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding of one name or value (WHATWG URL §5.1):
// '+' is a space, a malformed '%' sequence is kept literally.
std::string form_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Percent-encoding with the form-urlencoded set, spaces as %20 (RFC 9421 §2.2.8).
std::string form_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '*' ||
                      c == '-' || c == '.' || c == '_';
    if (keep) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

// Every value of the query parameter whose re-encoded name equals `name`, in order.
std::vector<std::string> query_param_values(std::string_view query, std::string_view name) {
  std::vector<std::string> values;
  while (true) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      const std::string_view raw_name = pair.substr(0, eq);
      const std::string_view raw_value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
      if (form_encode(form_decode(raw_name)) == name) values.push_back(form_encode(form_decode(raw_value)));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return values;
}

using Lines = std::vector<std::string>;

std::optional<Lines> fail(SignatureError* error, SignatureError value) {
  set_error(error, value);
  return std::nullopt;
}

std::optional<Lines> query_param_lines(const RequestView& request, const sf::Item& identifier, SignatureError* error) {
  // Exactly one parameter, `name`, holding a String.
  if (identifier.params.size() != 1 || identifier.params.front().first != "name") {
    return fail(error, SignatureError::malformed_component);
  }
  const auto* name = std::get_if<std::string>(&identifier.params.front().second);
  if (name == nullptr || name->empty()) return fail(error, SignatureError::malformed_component);

  const auto query = split_target(request.target).query;
  if (!query) return fail(error, SignatureError::missing_component);
  Lines values = query_param_values(*query, *name);
  if (values.empty()) return fail(error, SignatureError::missing_component);
  return values;
}

std::optional<std::string> derived_value(const RequestView& request, std::string_view name, SignatureError* error) {
  const auto target = split_target(request.target);
  std::string value;
  if (name == "@method") {
    value = request.method;
  } else if (name == "@target-uri") {
    value = ascii_lowercase(request.scheme) + "://" + std::string(request.authority) + std::string(request.target);
  } else if (name == "@authority") {
    value = normalize_authority(request.scheme, request.authority);
  } else if (name == "@scheme") {
    value = ascii_lowercase(request.scheme);
  } else if (name == "@request-target") {
    value = request.target;
  } else if (name == "@path") {
    value = target.path.empty() ? std::string("/") : std::string(target.path);
  } else if (name == "@query") {
    value = "?" + std::string(target.query.value_or(std::string_view{}));
  } else {
    // @status (responses only), @signature-params (never covered) and anything unknown.
    set_error(error, SignatureError::malformed_component);
    return std::nullopt;
  }
  if (value.empty()) {
    set_error(error, SignatureError::missing_component);
    return std::nullopt;
  }
  return value;
}

std::optional<Lines> field_lines(const RequestView& request, std::string_view name, SignatureError* error) {
  if (!is_lowercase_field_name(name)) return fail(error, SignatureError::malformed_component);
  if (request.headers == nullptr) return fail(error, SignatureError::missing_component);
  std::string combined;
  bool found = false;
  for (const auto& field : *request.headers) {
    if (!iequals(field.name, name)) continue;
    if (found) combined += ", ";
    combined += trim_ows(unfold(field.value));
    found = true;
  }
  if (!found) return fail(error, SignatureError::missing_component);
  if (!is_clean_field_value(combined)) return fail(error, SignatureError::non_ascii_value);
  return Lines{std::move(combined)};
}

// The value(s) of one covered component: one line each. Only @query-param can give several
// (one per occurrence of the parameter, RFC 9421 §2.2.8).
std::optional<Lines> component_lines(const RequestView& request, const sf::Item& identifier, SignatureError* error) {
  const auto* name = std::get_if<std::string>(&identifier.value);
  if (name == nullptr || name->empty()) return fail(error, SignatureError::malformed_component);

  if (name->front() != '@') {
    // Header parameters (sf, key, bs, req, tr) are not supported: refusing them keeps the
    // gateway from signing something other than what the partner meant.
    if (!identifier.params.empty()) return fail(error, SignatureError::malformed_component);
    return field_lines(request, *name, error);
  }
  if (*name == "@query-param") return query_param_lines(request, identifier, error);
  if (!identifier.params.empty()) return fail(error, SignatureError::malformed_component);

  auto value = derived_value(request, *name, error);
  if (!value) return std::nullopt;
  if (!is_clean_derived_value(*value)) return fail(error, SignatureError::non_ascii_value);
  return Lines{std::move(*value)};
}

// A SignOptions component: a bare name ("@path", "content-digest") or a name followed by
// SF parameters ("@query-param;name=\"id\"").
std::optional<sf::Item> identifier_from_option(std::string_view component) {
  const auto semicolon = component.find(';');
  const auto name = component.substr(0, semicolon);
  if (name.empty()) return std::nullopt;
  const auto quoted = sf::serialize_bare_item(sf::BareItem{std::string(name)});
  if (!quoted) return std::nullopt;
  if (semicolon == std::string_view::npos) return sf::Item{sf::BareItem{std::string(name)}, {}};
  return sf::parse_item(*quoted + std::string(component.substr(semicolon)));
}

template <typename T>
bool read_param(const sf::Parameters& params, std::string_view name, std::optional<T>& out) {
  const auto* value = sf::find_param(params, name);
  if (value == nullptr) return true;
  const auto* typed = std::get_if<T>(value);
  if (typed == nullptr) return false;
  out = *typed;
  return true;
}

bool read_signature_params(const sf::Parameters& params, SignatureParams& out) {
  return read_param(params, "created", out.created) && read_param(params, "expires", out.expires) &&
         read_param(params, "nonce", out.nonce) && read_param(params, "alg", out.alg) &&
         read_param(params, "keyid", out.keyid) && read_param(params, "tag", out.tag);
}

std::set<std::string_view> labels_of(const sf::Dictionary& dict) {
  std::set<std::string_view> labels;
  for (const auto& member : dict) labels.insert(member.first);
  return labels;
}

const sf::ListMember* find_member(const sf::Dictionary& dict, std::string_view key) {
  for (const auto& [name, member] : dict) {
    if (name == key) return &member;
  }
  return nullptr;
}

// Every label must appear in both fields (RFC 9421 §4.3).
bool labels_match(const sf::Dictionary& input, const sf::Dictionary& signature) {
  return labels_of(input) == labels_of(signature);
}

}  // namespace

std::string_view to_string(SignatureError e) {
  switch (e) {
    case SignatureError::none: return "none";
    case SignatureError::missing_headers: return "missing_headers";
    case SignatureError::malformed_headers: return "malformed_headers";
    case SignatureError::label_mismatch: return "label_mismatch";
    case SignatureError::multiple_signatures: return "multiple_signatures";
    case SignatureError::malformed_component: return "malformed_component";
    case SignatureError::duplicate_component: return "duplicate_component";
    case SignatureError::missing_component: return "missing_component";
    case SignatureError::non_ascii_value: return "non_ascii_value";
    case SignatureError::bad_signature_length: return "bad_signature_length";
  }
  return "unknown";
}

std::optional<std::string> component_value(const RequestView& request, const sf::Item& identifier,
                                           SignatureError* error) {
  auto lines = component_lines(request, identifier, error);
  if (!lines) return std::nullopt;
  if (lines->size() != 1) {
    // A repeated query parameter has one base line per occurrence; only signature_base can
    // express that.
    set_error(error, SignatureError::duplicate_component);
    return std::nullopt;
  }
  set_error(error, SignatureError::none);
  return std::move(lines->front());
}

std::optional<std::string> signature_base(const RequestView& request, const sf::InnerList& covered,
                                          SignatureError* error) {
  std::string base;
  std::set<std::string> seen;  // serialized identifiers: name plus parameters
  for (const auto& identifier : covered.items) {
    auto serialized = sf::serialize_item(identifier);
    if (!serialized || !std::holds_alternative<std::string>(identifier.value)) {
      set_error(error, SignatureError::malformed_component);
      return std::nullopt;
    }
    if (seen.count(*serialized) != 0) {
      set_error(error, SignatureError::duplicate_component);
      return std::nullopt;
    }
    auto lines = component_lines(request, identifier, error);
    if (!lines) return std::nullopt;
    for (const auto& line : *lines) {
      base += *serialized;
      base += ": ";
      base += line;
      base += '\n';
    }
    seen.insert(std::move(*serialized));
  }
  const auto params = sf::serialize_inner_list(covered);
  if (!params) {
    set_error(error, SignatureError::malformed_component);
    return std::nullopt;
  }
  base += kSignatureParamsPrefix;
  base += *params;
  set_error(error, SignatureError::none);
  return base;
}

std::optional<ParsedSignature> parse_signature(std::string_view signature_input, std::string_view signature,
                                               std::string_view label, SignatureError* error) {
  auto failed = [error](SignatureError e) -> std::optional<ParsedSignature> {
    set_error(error, e);
    return std::nullopt;
  };
  if (trim_ows(signature_input).empty() || trim_ows(signature).empty()) {
    return failed(SignatureError::missing_headers);
  }
  const auto inputs = sf::parse_dictionary(signature_input);
  const auto signatures = sf::parse_dictionary(signature);
  if (!inputs || !signatures) return failed(SignatureError::malformed_headers);
  if (inputs->empty() || signatures->empty()) return failed(SignatureError::missing_headers);
  if (!labels_match(*inputs, *signatures)) return failed(SignatureError::label_mismatch);

  std::string chosen(label);
  if (chosen.empty()) {
    if (inputs->size() != 1) return failed(SignatureError::multiple_signatures);
    chosen = inputs->front().first;
  }
  const auto* input_member = find_member(*inputs, chosen);
  const auto* signature_member = find_member(*signatures, chosen);
  if (input_member == nullptr || signature_member == nullptr) return failed(SignatureError::label_mismatch);

  const auto* covered = std::get_if<sf::InnerList>(input_member);
  if (covered == nullptr) return failed(SignatureError::malformed_headers);
  const auto* signature_item = std::get_if<sf::Item>(signature_member);
  const auto* bytes = signature_item ? std::get_if<sf::ByteSequence>(&signature_item->value) : nullptr;
  if (bytes == nullptr) return failed(SignatureError::malformed_headers);

  ParsedSignature parsed;
  parsed.label = std::move(chosen);
  parsed.covered = *covered;
  for (const auto& identifier : covered->items) {
    const auto* name = std::get_if<std::string>(&identifier.value);
    if (name == nullptr) return failed(SignatureError::malformed_headers);
    parsed.component_names.push_back(*name);
  }
  if (!read_signature_params(covered->params, parsed.params)) return failed(SignatureError::malformed_headers);
  if (bytes->bytes.size() != crypto_sign_BYTES) return failed(SignatureError::bad_signature_length);
  parsed.signature = bytes->bytes;
  set_error(error, SignatureError::none);
  return parsed;
}

bool verify_signature(const ParsedSignature& parsed, std::string_view base, const Ed25519PublicKey& key) {
  return ed25519_verify(key, base, parsed.signature.data(), parsed.signature.size());
}

std::optional<SignatureFields> sign_request(const RequestView& request, const SignOptions& options,
                                            const Ed25519PrivateKey& key, SignatureError* error) {
  sf::InnerList covered;
  for (const auto& component : options.components) {
    auto identifier = identifier_from_option(component);
    if (!identifier) {
      set_error(error, SignatureError::malformed_component);
      return std::nullopt;
    }
    covered.items.push_back(std::move(*identifier));
  }
  // The order is fixed so that SDK output is predictable and matches the documentation.
  covered.params.emplace_back("created", options.created);
  if (options.expires) covered.params.emplace_back("expires", *options.expires);
  if (!options.nonce.empty()) covered.params.emplace_back("nonce", options.nonce);
  if (!options.keyid.empty()) covered.params.emplace_back("keyid", options.keyid);
  if (options.include_alg) covered.params.emplace_back("alg", std::string("ed25519"));
  if (options.tag) covered.params.emplace_back("tag", *options.tag);

  // Serializing the field first classifies a bad label or parameter as a header problem
  // rather than a component problem.
  auto input_field = sf::serialize_dictionary(sf::Dictionary{{options.label, sf::ListMember{covered}}});
  if (!input_field) {
    set_error(error, SignatureError::malformed_headers);
    return std::nullopt;
  }
  auto base = signature_base(request, covered, error);
  if (!base) return std::nullopt;

  const auto signature = key.sign(*base);
  SignatureFields fields;
  fields.signature_input = std::move(*input_field);
  fields.signature = options.label + "=:" + base64_encode(signature.data(), signature.size()) + ":";
  fields.base = std::move(*base);
  set_error(error, SignatureError::none);
  return fields;
}

std::vector<std::string> required_components(const RequestView& request, bool has_body) {
  std::vector<std::string> required{"@method", "@authority", "@path"};
  if (split_target(request.target).query) required.emplace_back("@query");
  if (has_body) required.emplace_back("content-digest");
  if (request.headers != nullptr &&
      std::any_of(request.headers->begin(), request.headers->end(),
                  [](const HeaderField& f) { return iequals(f.name, "idempotency-key"); })) {
    required.emplace_back("idempotency-key");
  }
  return required;
}

std::string generate_nonce() {
  ensure_sodium_initialised();
  std::array<unsigned char, 16> random{};
  randombytes_buf(random.data(), random.size());
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::array<char, sodium_base64_ENCODED_LEN(16, kVariant)> text{};
  sodium_bin2base64(text.data(), text.size(), random.data(), random.size(), kVariant);
  return std::string(text.data());
}

}  // namespace octopus::protocol
