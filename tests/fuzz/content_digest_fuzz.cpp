// RFC 9530 Content-Digest on an untrusted field: never a crash; a field that verifies names
// the digest of exactly this content.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "octopus/protocol/content_digest.hpp"

using namespace octopus::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view field(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kContent = "{\"segment\":{\"tag\":\"travel\"}}";
  const auto check = verify_content_digest(field, kContent);
  if (check == DigestCheck::ok) {
    FUZZ_CHECK(field.find(content_digest_sha256(kContent).substr(8)) != std::string_view::npos ||
               field.find(content_digest_sha512(kContent).substr(8)) != std::string_view::npos);
  }
  return 0;
}
