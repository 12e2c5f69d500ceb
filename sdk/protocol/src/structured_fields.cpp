// RFC 8941 parser (§4.2) and serializer (§4.1). The parser is a single forward pass over
// the input with no recursion beyond the fixed depth of the grammar (inner lists cannot
// nest), so hostile input costs linear time and constant stack.
#include "octopus/protocol/structured_fields.hpp"

#include <algorithm>
#include <unordered_map>

#include "octopus/protocol/base64.hpp"

namespace octopus::protocol::sf {
namespace {

// RFC 8941 §3.3.1: integers have at most 15 digits.
constexpr std::int64_t kMaxInteger = 999'999'999'999'999;
// RFC 8941 §3.3.2: at most 12 integer digits; Decimal keeps thousandths.
constexpr std::int64_t kMaxDecimalThousandths = 999'999'999'999'999;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lcalpha(char c) { return c >= 'a' && c <= 'z'; }
bool is_alpha(char c) { return is_lcalpha(c) || (c >= 'A' && c <= 'Z'); }

// RFC 9110 tchar.
bool is_tchar(char c) {
  if (is_alpha(c) || is_digit(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

bool is_key_start(char c) { return is_lcalpha(c) || c == '*'; }
bool is_key_char(char c) { return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.' || c == '*'; }
bool is_token_start(char c) { return is_alpha(c) || c == '*'; }
bool is_token_char(char c) { return is_tchar(c) || c == ':' || c == '/'; }
bool is_base64_char(char c) { return is_alpha(c) || is_digit(c) || c == '+' || c == '/' || c == '='; }

bool valid_key(std::string_view key) {
  if (key.empty() || !is_key_start(key.front())) return false;
  return std::all_of(key.begin(), key.end(), is_key_char);
}

// Ordered-map insertion for dictionaries and parameters: a repeated key keeps its first
// position but takes the later value (RFC 8941 §4.2.2 and §4.2.3.2). Small maps are searched
// linearly; past a few entries a hash index keeps hostile inputs with many keys linear.
template <typename Entries>
class OrderedInserter {
 public:
  using Value = typename Entries::value_type::second_type;

  explicit OrderedInserter(Entries& entries) : entries_(entries) {}

  void put(std::string key, Value value) {
    if (auto* existing = find(key)) {
      *existing = std::move(value);
      return;
    }
    if (!index_.empty() || entries_.size() >= kLinearLimit) {
      if (index_.empty()) {
        for (std::size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
      }
      index_.emplace(key, entries_.size());
    }
    entries_.emplace_back(std::move(key), std::move(value));
  }

 private:
  static constexpr std::size_t kLinearLimit = 8;

  Value* find(const std::string& key) {
    if (!index_.empty()) {
      const auto it = index_.find(key);
      return it == index_.end() ? nullptr : &entries_[it->second].second;
    }
    for (auto& entry : entries_) {
      if (entry.first == key) return &entry.second;
    }
    return nullptr;
  }

  Entries& entries_;
  std::unordered_map<std::string, std::size_t> index_;
};

// ---------------------------------------------------------------------------------------
// Parsing

class Parser {
 public:
  Parser(std::string_view input, std::string* error) : in_(input), error_(error) {}

  bool at_end() const { return pos_ >= in_.size(); }
  char peek() const { return in_[pos_]; }

  void skip_sp() {
    while (!at_end() && peek() == ' ') ++pos_;
  }
  void skip_ows() {
    while (!at_end() && (peek() == ' ' || peek() == '\t')) ++pos_;
  }

  bool fail(const char* reason) {
    if (error_ != nullptr && error_->empty()) *error_ = reason;
    return false;
  }

  // §4.2.1 steps 6 and 7, shared by all three top-level types.
  bool finish() {
    skip_sp();
    return at_end() || fail("unexpected characters after the value");
  }

  std::optional<Item> item() {
    Item result;
    if (!bare_item(result.value) || !parameters(result.params)) return std::nullopt;
    return result;
  }

  std::optional<ListMember> item_or_inner_list() {
    if (!at_end() && peek() == '(') {
      auto inner = inner_list();
      if (!inner) return std::nullopt;
      return ListMember{std::move(*inner)};
    }
    auto single = item();
    if (!single) return std::nullopt;
    return ListMember{std::move(*single)};
  }

  // §4.2.1.2
  std::optional<InnerList> inner_list() {
    ++pos_;  // '('
    InnerList result;
    while (!at_end()) {
      skip_sp();
      if (at_end()) break;
      if (peek() == ')') {
        ++pos_;
        if (!parameters(result.params)) return std::nullopt;
        return result;
      }
      auto member = item();
      if (!member) return std::nullopt;
      result.items.push_back(std::move(*member));
      if (at_end()) break;
      if (peek() != ' ' && peek() != ')') {
        fail("inner list items must be separated by a space");
        return std::nullopt;
      }
    }
    fail("unterminated inner list");
    return std::nullopt;
  }

  // §4.2.1: members separated by commas with optional whitespace; no trailing comma.
  std::optional<List> list() {
    List result;
    while (!at_end()) {
      auto member = item_or_inner_list();
      if (!member) return std::nullopt;
      result.push_back(std::move(*member));
      if (!next_member()) return std::nullopt;
    }
    return result;
  }

  // §4.2.2
  std::optional<Dictionary> dictionary() {
    Dictionary result;
    OrderedInserter<Dictionary> members(result);
    while (!at_end()) {
      std::string name;
      if (!key(name)) return std::nullopt;
      std::optional<ListMember> member;
      if (!at_end() && peek() == '=') {
        ++pos_;
        member = item_or_inner_list();
        if (!member) return std::nullopt;
      } else {
        Item flag{BareItem{true}, {}};
        if (!parameters(flag.params)) return std::nullopt;
        member = ListMember{std::move(flag)};
      }
      members.put(std::move(name), std::move(*member));
      if (!next_member()) return std::nullopt;
    }
    return result;
  }

 private:
  // After a list or dictionary member: either the end, or a comma followed by another member.
  bool next_member() {
    skip_ows();
    if (at_end()) return true;
    if (peek() != ',') return fail("expected a comma between members");
    ++pos_;
    skip_ows();
    if (at_end()) return fail("trailing comma");
    return true;
  }

  // §4.2.3.2
  bool parameters(Parameters& out) {
    OrderedInserter<Parameters> params(out);
    while (!at_end() && peek() == ';') {
      ++pos_;
      skip_sp();
      std::string name;
      if (!key(name)) return false;
      BareItem value{true};
      if (!at_end() && peek() == '=') {
        ++pos_;
        if (!bare_item(value)) return false;
      }
      params.put(std::move(name), std::move(value));
    }
    return true;
  }

  // §4.2.3.3
  bool key(std::string& out) {
    if (at_end() || !is_key_start(peek())) return fail("a key must start with a lowercase letter or '*'");
    const std::size_t start = pos_;
    while (!at_end() && is_key_char(peek())) ++pos_;
    out.assign(in_.substr(start, pos_ - start));
    return true;
  }

  // §4.2.3.1
  bool bare_item(BareItem& out) {
    if (at_end()) return fail("missing value");
    const char c = peek();
    if (c == '-' || is_digit(c)) return number(out);
    if (c == '"') return string(out);
    if (is_token_start(c)) return token(out);
    if (c == ':') return byte_sequence(out);
    if (c == '?') return boolean(out);
    return fail("unrecognised value");
  }

  // §4.2.4. Digits are accumulated as they are read; the length limits (15 integer digits,
  // 12 + 3 for decimals) are checked before each step, so the int64 arithmetic cannot overflow.
  bool number(BareItem& out) {
    bool negative = false;
    if (peek() == '-') {
      negative = true;
      ++pos_;
    }
    if (at_end() || !is_digit(peek())) return fail("a number needs a digit");
    std::int64_t integer_part = 0;
    std::size_t integer_digits = 0;
    while (!at_end() && is_digit(peek())) {
      if (++integer_digits > 15) return fail("integer longer than 15 digits");
      integer_part = integer_part * 10 + (peek() - '0');
      ++pos_;
    }
    if (at_end() || peek() != '.') {
      out = negative ? -integer_part : integer_part;
      return true;
    }
    if (integer_digits > 12) return fail("decimal with more than 12 integer digits");
    ++pos_;  // '.'
    std::int64_t fraction = 0;
    std::size_t fraction_digits = 0;
    while (!at_end() && is_digit(peek())) {
      if (++fraction_digits > 3) return fail("decimal with more than 3 fraction digits");
      fraction = fraction * 10 + (peek() - '0');
      ++pos_;
    }
    if (fraction_digits == 0) return fail("decimal without fraction digits");
    for (std::size_t i = fraction_digits; i < 3; ++i) fraction *= 10;
    const std::int64_t thousandths = integer_part * 1000 + fraction;
    out = Decimal{negative ? -thousandths : thousandths};
    return true;
  }

  // §4.2.5
  bool string(BareItem& out) {
    ++pos_;  // opening DQUOTE
    std::string value;
    while (!at_end()) {
      const char c = in_[pos_++];
      if (c == '\\') {
        if (at_end()) return fail("unterminated string escape");
        const char next = in_[pos_++];
        if (next != '"' && next != '\\') return fail("invalid string escape");
        value += next;
      } else if (c == '"') {
        out = std::move(value);
        return true;
      } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) {
        return fail("string contains a non-printable or non-ASCII character");
      } else {
        value += c;
      }
    }
    return fail("unterminated string");
  }

  // §4.2.6
  bool token(BareItem& out) {
    const std::size_t start = pos_;
    ++pos_;
    while (!at_end() && is_token_char(peek())) ++pos_;
    out = Token{std::string(in_.substr(start, pos_ - start))};
    return true;
  }

  // §4.2.7. Decoding is strict (see base64.hpp); RFC 8941 only says parsers SHOULD NOT
  // fail on missing padding or non-zero pad bits, and a signature field has exactly one
  // valid spelling.
  bool byte_sequence(BareItem& out) {
    ++pos_;  // opening ':'
    const std::size_t start = pos_;
    while (!at_end() && peek() != ':') {
      if (!is_base64_char(peek())) return fail("byte sequence contains a non-base64 character");
      ++pos_;
    }
    if (at_end()) return fail("unterminated byte sequence");
    auto bytes = base64_decode(in_.substr(start, pos_ - start));
    ++pos_;  // closing ':'
    if (!bytes) return fail("byte sequence is not canonical base64");
    out = ByteSequence{std::move(*bytes)};
    return true;
  }

  // §4.2.8
  bool boolean(BareItem& out) {
    ++pos_;  // '?'
    if (at_end()) return fail("boolean without a value");
    const char c = in_[pos_++];
    if (c == '1') {
      out = true;
    } else if (c == '0') {
      out = false;
    } else {
      return fail("boolean must be ?0 or ?1");
    }
    return true;
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  std::string* error_;
};

template <typename Result, typename Body>
std::optional<Result> parse_top_level(std::string_view input, std::string* error, Body body) {
  if (error != nullptr) error->clear();
  Parser parser(input, error);
  parser.skip_sp();
  auto result = body(parser);
  if (!result || !parser.finish()) return std::nullopt;
  return result;
}

// ---------------------------------------------------------------------------------------
// Serialization

bool append_integer(std::string& out, std::int64_t value) {
  if (value < -kMaxInteger || value > kMaxInteger) return false;
  out += std::to_string(value);
  return true;
}

bool append_decimal(std::string& out, const Decimal& value) {
  std::int64_t v = value.thousandths;
  if (v < -kMaxDecimalThousandths || v > kMaxDecimalThousandths) return false;
  if (v < 0) {
    out += '-';
    v = -v;
  }
  out += std::to_string(v / 1000);
  out += '.';
  // At most three fraction digits, trailing zeros dropped, but always at least one digit.
  std::string fraction = std::to_string(1000 + v % 1000).substr(1);
  while (fraction.size() > 1 && fraction.back() == '0') fraction.pop_back();
  out += fraction;
  return true;
}

bool append_string(std::string& out, const std::string& value) {
  out += '"';
  for (const char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) return false;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return true;
}

bool append_token(std::string& out, const Token& token) {
  const std::string& v = token.value;
  if (v.empty() || !is_token_start(v.front()) || !std::all_of(v.begin(), v.end(), is_token_char)) {
    return false;
  }
  out += v;
  return true;
}

bool append_bare_item(std::string& out, const BareItem& item) {
  return std::visit(
      [&out](const auto& v) -> bool {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::int64_t>) {
          return append_integer(out, v);
        } else if constexpr (std::is_same_v<T, Decimal>) {
          return append_decimal(out, v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return append_string(out, v);
        } else if constexpr (std::is_same_v<T, Token>) {
          return append_token(out, v);
        } else if constexpr (std::is_same_v<T, ByteSequence>) {
          out += ':';
          out += base64_encode(v.bytes.data(), v.bytes.size());
          out += ':';
          return true;
        } else {
          out += v ? "?1" : "?0";
          return true;
        }
      },
      item);
}

bool is_true(const BareItem& item) {
  const bool* b = std::get_if<bool>(&item);
  return b != nullptr && *b;
}

bool append_parameters(std::string& out, const Parameters& params) {
  for (const auto& [name, value] : params) {
    if (!valid_key(name)) return false;
    out += ';';
    out += name;
    if (is_true(value)) continue;  // a bare key means ?1
    out += '=';
    if (!append_bare_item(out, value)) return false;
  }
  return true;
}

bool append_item(std::string& out, const Item& item) {
  return append_bare_item(out, item.value) && append_parameters(out, item.params);
}

bool append_inner_list(std::string& out, const InnerList& list) {
  out += '(';
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    if (i > 0) out += ' ';
    if (!append_item(out, list.items[i])) return false;
  }
  out += ')';
  return append_parameters(out, list.params);
}

bool append_member(std::string& out, const ListMember& member) {
  if (const auto* inner = std::get_if<InnerList>(&member)) return append_inner_list(out, *inner);
  return append_item(out, std::get<Item>(member));
}

template <typename Append>
std::optional<std::string> serialize_with(Append append) {
  std::string out;
  if (!append(out)) return std::nullopt;
  return out;
}

}  // namespace

std::optional<Item> parse_item(std::string_view input, std::string* error) {
  return parse_top_level<Item>(input, error, [](Parser& p) { return p.item(); });
}

std::optional<List> parse_list(std::string_view input, std::string* error) {
  return parse_top_level<List>(input, error, [](Parser& p) { return p.list(); });
}

std::optional<Dictionary> parse_dictionary(std::string_view input, std::string* error) {
  return parse_top_level<Dictionary>(input, error, [](Parser& p) { return p.dictionary(); });
}

std::optional<std::string> serialize_bare_item(const BareItem& item) {
  return serialize_with([&](std::string& out) { return append_bare_item(out, item); });
}

std::optional<std::string> serialize_parameters(const Parameters& params) {
  return serialize_with([&](std::string& out) { return append_parameters(out, params); });
}

std::optional<std::string> serialize_item(const Item& item) {
  return serialize_with([&](std::string& out) { return append_item(out, item); });
}

std::optional<std::string> serialize_inner_list(const InnerList& list) {
  return serialize_with([&](std::string& out) { return append_inner_list(out, list); });
}

std::optional<std::string> serialize_list(const List& list) {
  return serialize_with([&](std::string& out) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out += ", ";
      if (!append_member(out, list[i])) return false;
    }
    return true;
  });
}

std::optional<std::string> serialize_dictionary(const Dictionary& dict) {
  return serialize_with([&](std::string& out) {
    for (std::size_t i = 0; i < dict.size(); ++i) {
      const auto& [name, member] = dict[i];
      if (!valid_key(name)) return false;
      if (i > 0) out += ", ";
      out += name;
      // A member whose value is true is written as its key plus parameters (§4.1.2).
      if (const auto* item = std::get_if<Item>(&member); item != nullptr && is_true(item->value)) {
        if (!append_parameters(out, item->params)) return false;
        continue;
      }
      out += '=';
      if (!append_member(out, member)) return false;
    }
    return true;
  });
}

const BareItem* find_param(const Parameters& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

}  // namespace octopus::protocol::sf
