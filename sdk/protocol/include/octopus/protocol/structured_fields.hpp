// RFC 8941 Structured Field Values: the parser and serializer behind Signature-Input,
// Signature, Content-Digest, Idempotency-Key and the RateLimit fields.
// Parsing follows RFC 8941 §4.2 exactly (including its rejection rules), because these
// fields arrive from untrusted clients; serialization follows §4.1 so that a parsed
// Signature-Input member re-serializes byte-for-byte into "@signature-params".
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace octopus::protocol::sf {

struct Token {
  std::string value;
  bool operator==(const Token&) const = default;
};
struct ByteSequence {
  std::vector<std::uint8_t> bytes;
  bool operator==(const ByteSequence&) const = default;
};
// Decimal is kept as its parsed value scaled by 1000 (RFC 8941 allows at most 3 fraction
// digits), so it round-trips exactly without floating point.
struct Decimal {
  std::int64_t thousandths = 0;
  bool operator==(const Decimal&) const = default;
};

// Integer | Decimal | String | Token | Byte Sequence | Boolean
using BareItem = std::variant<std::int64_t, Decimal, std::string, Token, ByteSequence, bool>;

using Parameters = std::vector<std::pair<std::string, BareItem>>;

struct Item {
  BareItem value;
  Parameters params;
};

struct InnerList {
  std::vector<Item> items;
  Parameters params;
};

using ListMember = std::variant<Item, InnerList>;
using List = std::vector<ListMember>;
using Dictionary = std::vector<std::pair<std::string, ListMember>>;

// Each parser returns nullopt on any syntax error and, when `error` is given, writes a
// short human-readable reason (never echoing the input itself).
std::optional<Item> parse_item(std::string_view input, std::string* error = nullptr);
std::optional<List> parse_list(std::string_view input, std::string* error = nullptr);
// Duplicate keys: the last value wins, in the position of the first (RFC 8941 §4.2.2).
std::optional<Dictionary> parse_dictionary(std::string_view input, std::string* error = nullptr);

// Serializers return nullopt when a value cannot be serialized (e.g. a string with a
// control character, an out-of-range integer, a key with upper-case letters).
std::optional<std::string> serialize_bare_item(const BareItem& item);
std::optional<std::string> serialize_parameters(const Parameters& params);
std::optional<std::string> serialize_item(const Item& item);
std::optional<std::string> serialize_inner_list(const InnerList& list);
std::optional<std::string> serialize_list(const List& list);
std::optional<std::string> serialize_dictionary(const Dictionary& dict);

// Looks a parameter up by name; nullptr when absent.
const BareItem* find_param(const Parameters& params, std::string_view name);

}  // namespace octopus::protocol::sf
