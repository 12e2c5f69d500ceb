// Standard base64 (RFC 4648 §4, with padding), as used by RFC 8941 byte sequences
// and RFC 9530 digests. Decoding is strict: it rejects
// characters outside the alphabet, bad padding and non-zero trailing bits, because every
// caller decodes attacker-supplied text.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace octopus::protocol {

std::string base64_encode(const std::uint8_t* data, std::size_t size);
std::string base64_encode(std::string_view bytes);
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace octopus::protocol
