// What a message text must not contain, and the form it is compared in, decided with ICU
// (the Unicode data of the system's ICU, not a table of our own).
//
// Refused outright, wherever they are: control characters (C0 and C1, CR and LF included),
// format characters (zero-width space, soft hyphen, the bidirectional overrides, embeddings
// and isolates, word joiner, BOM, ...) except the zero-width joiner that emoji sequences need,
// private-use characters and noncharacters. None has a use in a marketing message; each can
// hide a word from a reader or a filter, or reorder what a phone displays.
//
// Compared: NFKC with case folding and default-ignorable characters removed (ICU's
// NFKC_Casefold), so full-width "１００％" is "100%", "ＡＢＣ" is "abc", and a variation
// selector or joiner inside a banned phrase does not hide it.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace octopus::policy {

struct ForbiddenCharacter {
  char32_t code_point = 0;
  std::size_t position = 0;  // 1-based, in characters (code points)
  std::string name;          // "U+202E RIGHT-TO-LEFT OVERRIDE"
};

// The first character `text` (valid UTF-8) must not contain, if any.
std::optional<ForbiddenCharacter> find_forbidden_character(std::string_view text);

// `text` (valid UTF-8) in the form banned phrases are matched in.
std::string comparable_form(std::string_view text);

}  // namespace octopus::policy
