// RFC 8941 structured fields: any input parses or is refused without a crash, and whatever
// parses serialises to a text that parses back to the same value (and serialises the same).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "octopus/protocol/structured_fields.hpp"

namespace sf = octopus::protocol::sf;

namespace {
// Whatever parses serialises, re-parses, and serialises to the same text.
template <typename Parse, typename Serialize>
void round_trip(std::string_view input, Parse parse, Serialize serialize) {
  const auto value = parse(input, nullptr);
  if (!value) return;
  const auto text = serialize(*value);
  FUZZ_CHECK(text.has_value());
  const auto again = parse(*text, nullptr);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(serialize(*again) == text);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  round_trip(input, sf::parse_item, sf::serialize_item);
  round_trip(input, sf::parse_list, sf::serialize_list);
  round_trip(input, sf::parse_dictionary, sf::serialize_dictionary);
  return 0;
}
