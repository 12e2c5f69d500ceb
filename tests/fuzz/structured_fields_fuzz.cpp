// RFC 8941 structured fields: any input parses or is refused without a crash, and whatever
// parses serialises to a text that parses back to the same value (and serialises the same).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "octopus/protocol/structured_fields.hpp"

namespace sf = octopus::protocol::sf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto item = sf::parse_item(input)) {
    const auto text = sf::serialize_item(*item);
    FUZZ_CHECK(text.has_value());
    const auto again = sf::parse_item(*text);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(sf::serialize_item(*again) == text);
  }
  if (auto list = sf::parse_list(input)) {
    const auto text = sf::serialize_list(*list);
    FUZZ_CHECK(text.has_value());
    const auto again = sf::parse_list(*text);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(sf::serialize_list(*again) == text);
  }
  if (auto dict = sf::parse_dictionary(input)) {
    const auto text = sf::serialize_dictionary(*dict);
    FUZZ_CHECK(text.has_value());
    const auto again = sf::parse_dictionary(*text);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(sf::serialize_dictionary(*again) == text);
  }
  return 0;
}
