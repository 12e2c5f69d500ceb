#include "policy/text_normaliser.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <cstdio>
#include <stdexcept>

namespace octopus::policy {

namespace {

constexpr char32_t kZeroWidthJoiner = 0x200D;  // joins emoji sequences (family, flags with tags aside)

bool forbidden(UChar32 c) {
  switch (u_charType(c)) {
    case U_CONTROL_CHAR:
    case U_PRIVATE_USE_CHAR:
    case U_SURROGATE: return true;
    case U_FORMAT_CHAR: return c != kZeroWidthJoiner;
    default: return U_IS_UNICODE_NONCHAR(c);
  }
}

std::string describe(UChar32 c) {
  char code[16];
  std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(c));
  char name[128];
  UErrorCode status = U_ZERO_ERROR;
  const auto length = u_charName(c, U_EXTENDED_CHAR_NAME, name, sizeof name, &status);
  return U_SUCCESS(status) && length > 0 ? std::string(code) + " " + name : std::string(code);
}

}  // namespace

std::optional<ForbiddenCharacter> find_forbidden_character(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  std::size_t position = 0;
  for (int32_t i = 0; i < length;) {
    UChar32 c = 0;
    U8_NEXT(s, i, length, c);
    ++position;
    if (c < 0) return ForbiddenCharacter{0xFFFD, position, "an invalid UTF-8 sequence"};
    if (forbidden(c)) return ForbiddenCharacter{static_cast<char32_t>(c), position, describe(c)};
  }
  return std::nullopt;
}

std::string comparable_form(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status))
    throw std::runtime_error(std::string("ICU NFKC_Casefold is unavailable: ") + u_errorName(status));
  const auto source = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  const icu::UnicodeString folded = nfkc_cf->normalize(source, status);
  if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU normalisation failed: ") + u_errorName(status));
  std::string out;
  folded.toUTF8String(out);
  return out;
}

}  // namespace octopus::policy
