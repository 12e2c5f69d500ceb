#include "policy/sms_segments.hpp"

#include <algorithm>
#include <array>

namespace octopus::policy {

namespace {

constexpr std::size_t kGsmSingle = 160, kGsmPart = 153, kUcs2Single = 70, kUcs2Part = 67;

// The default alphabet outside printable ASCII (GSM 03.38 table, Unicode values).
constexpr std::array<char32_t, 40> kGsmBasicNonAscii{U'£', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç', U'Ø', U'ø',
                                                     U'Å', U'å', U'Δ', U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ', U'Σ',
                                                     U'Θ', U'Ξ', U'Æ', U'æ', U'ß', U'É', U'¤', U'¡', U'Ä', U'Ö',
                                                     U'Ñ', U'Ü', U'§', U'¿', U'ä', U'ö', U'ñ', U'ü', U'à', U'\r'};
constexpr std::array<char32_t, 10> kGsmExtension{U'\f', U'^', U'{', U'}', U'\\', U'[', U']', U'~', U'|', U'€'};

// Septets a code point takes in GSM-7, or 0 if GSM-7 cannot carry it.
std::size_t gsm_septets(char32_t c) {
  if (std::find(kGsmExtension.begin(), kGsmExtension.end(), c) != kGsmExtension.end()) return 2;
  if (c == U'\n' || (c >= 0x20 && c <= 0x7E && c != U'`')) return 1;  // printable ASCII minus ` and the extension set
  if (std::find(kGsmBasicNonAscii.begin(), kGsmBasicNonAscii.end(), c) != kGsmBasicNonAscii.end()) return 1;
  return 0;
}

// Packs units (each 1 or 2 wide, never split) into segments.
template <typename WidthOf>
std::size_t pack(std::string_view text, std::size_t total, std::size_t single, std::size_t part, WidthOf width_of) {
  if (total <= single) return 1;
  std::size_t segments = 1, used = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t width = width_of(static_cast<char32_t>(decode_utf8(text, pos)));
    if (used + width > part) {
      ++segments;
      used = 0;
    }
    used += width;
  }
  return segments;
}

}  // namespace

long decode_utf8(std::string_view text, std::size_t& pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  std::size_t extra = 0;
  long cp = 0, min = 0;
  if (lead < 0x80) {
    ++pos;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    extra = 1, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3, cp = lead & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (extra >= text.size() - pos) return -1;  // truncated sequence
  for (std::size_t i = 1; i <= extra; ++i) {
    const unsigned char b = byte(pos + i);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  pos += extra + 1;
  return cp;
}

std::optional<std::size_t> count_characters(std::string_view utf8) {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < utf8.size(); ++count)
    if (decode_utf8(utf8, pos) < 0) return std::nullopt;
  return count;
}

std::optional<SmsLength> count_sms_segments(std::string_view utf8) {
  std::size_t septets = 0, code_units = 0;
  bool gsm = true;
  for (std::size_t pos = 0; pos < utf8.size();) {
    const long cp = decode_utf8(utf8, pos);
    if (cp < 0) return std::nullopt;
    const std::size_t s = gsm_septets(static_cast<char32_t>(cp));
    gsm = gsm && s > 0;
    septets += s;
    code_units += cp > 0xFFFF ? 2 : 1;
  }
  SmsLength length;
  if (gsm) {
    length.encoding = SmsEncoding::gsm7;
    length.units = septets;
    length.segments = pack(utf8, septets, kGsmSingle, kGsmPart, gsm_septets);
  } else {
    length.encoding = SmsEncoding::ucs2;
    length.units = code_units;
    length.segments =
        pack(utf8, code_units, kUcs2Single, kUcs2Part, [](char32_t c) -> std::size_t { return c > 0xFFFF ? 2 : 1; });
  }
  return length;
}

}  // namespace octopus::policy
