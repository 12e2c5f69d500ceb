// RFC 9421 on untrusted fields: the input is Signature-Input, a newline, then Signature, then
// another newline and a request target. Parsing, the signature base over a fixed request and
// verification must never crash, and a base never holds a bare newline inside a line value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "octopus/protocol/message_signatures.hpp"

using namespace octopus::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto first = input.find('\n');
  const auto signature_input = input.substr(0, first);
  std::string_view rest = first == std::string_view::npos ? std::string_view() : input.substr(first + 1);
  const auto second = rest.find('\n');
  const auto signature = rest.substr(0, second);
  const auto target = second == std::string_view::npos ? std::string_view("/v1/x?a=1&b=2") : rest.substr(second + 1);

  SignatureError error = SignatureError::none;
  const auto parsed = parse_signature(signature_input, signature, "", &error);
  if (!parsed) return 0;
  const std::vector<HeaderField> headers{{"Host", "api.example"},
                                         {"Content-Digest", "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"},
                                         {"Content-Type", "application/json"}};
  const RequestView request{"POST", "https", "api.example:443", target, &headers};
  const auto base = signature_base(request, parsed->covered, &error);
  if (base) {
    // Each line is "name": value; the last is "@signature-params": ...
    FUZZ_CHECK(base->rfind("\"@signature-params\": ", 0) == 0 ||
               base->find("\n\"@signature-params\": ") != std::string::npos);
    // Verification with whatever bytes were parsed runs too; the sanitizers watch it.
    const Ed25519PublicKey key{0x3b, 0x6a, 0x27, 0xbc, 0xce, 0xb6, 0xa4, 0x2d, 0x62, 0xa3, 0xa8,
                               0xd0, 0x2a, 0x6f, 0x0d, 0x73, 0x65, 0x32, 0x15, 0x77, 0x1d, 0xe2,
                               0x43, 0xa6, 0x3a, 0xc0, 0x48, 0xa1, 0x8b, 0x59, 0xda, 0x29};
    FUZZ_CHECK(!verify_signature(*parsed, *base, key));  // nobody holds this key's private half
  }
  return 0;
}
