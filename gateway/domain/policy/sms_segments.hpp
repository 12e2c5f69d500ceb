// How many SMS segments a text takes (3GPP TS 23.038 / 23.040).
//
// A text made only of characters of the GSM 03.38 default alphabet is sent as GSM-7: 160
// septets in one segment; when longer, 153 per segment (7 septets go to the concatenation
// header). Characters of the extension table (€ [ ] { } \ ^ ~ | and form feed) take two
// septets, an escape and the character, and a pair is never split across segments.
// Any other character forces UCS-2 for the whole text: 70 UTF-16 code units in one segment,
// 67 per segment when longer; characters outside the BMP (most emoji) take two code units
// and are not split either.
#pragma once
#include <cstddef>
#include <optional>
#include <string_view>

namespace octopus::policy {

enum class SmsEncoding { gsm7, ucs2 };

struct SmsLength {
  SmsEncoding encoding = SmsEncoding::gsm7;
  std::size_t units = 0;     // septets (GSM-7) or UTF-16 code units (UCS-2)
  std::size_t segments = 1;  // an empty text still takes one message
};

// nullopt when `utf8` is not valid UTF-8.
std::optional<SmsLength> count_sms_segments(std::string_view utf8);

// Unicode characters (code points) in `utf8`; nullopt when it is not valid UTF-8.
std::optional<std::size_t> count_characters(std::string_view utf8);

// Decodes one code point at `pos` and advances it; returns -1 (leaving pos unspecified) on
// invalid UTF-8: overlong forms, surrogates and values above U+10FFFF are refused.
long decode_utf8(std::string_view text, std::size_t& pos);

}  // namespace octopus::policy
