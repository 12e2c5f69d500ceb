// What the reference engine's population columns mean: the attributes and their values
// (in code order), the interest tags, the product codes and the consent dimensions. One
// fixed schema, shared by the synthetic generator, the importer, the indexes and the
// engine's published vocabulary, so a value code means the same thing everywhere.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/segment.hpp"

namespace octopus::engine::reference {

// Column order of the per-subscriber attributes. `status` is stored and indexed but not
// published: every count already keeps active subscribers only.
enum class Attr : std::uint8_t {
  city,
  age_band,
  gender,
  plan_type,
  network,
  arpu_band,
  data_usage_band,
  device_type,
  device_os,
  tenure_band,
  roaming_status,
  status,
};
inline constexpr std::size_t kAttributeCount = 12;

struct AttributeDef {
  std::string name;
  std::string description;
  std::vector<std::string> values;  // index = the value's code in the column
  bool ordered = false;
  std::vector<double> lower_bounds;  // ordered only; inclusive
  std::vector<double> upper_bounds;  // ordered only; exclusive, infinity for the last band
  bool published = true;
  unsigned bits = 0;  // width of the packed column holding the codes
};

// One consent scope: a purpose, on a channel, for a partner category. Each subscriber has
// one "granted" and one "withdrawn" bit per scope.
struct ConsentScope {
  std::size_t purpose = 0, channel = 0, category = 0;
};

class PopulationSchema {
 public:
  // The reference engine's dictionary (names as in policies/privacy.yaml and consent.yaml).
  static const PopulationSchema& reference();

  const AttributeDef& attribute(Attr a) const { return attributes_[static_cast<std::size_t>(a)]; }
  const std::vector<AttributeDef>& attributes() const { return attributes_; }
  // The attribute as the engine interface describes it (band_within takes this form).
  const AttributeInfo& info(Attr a) const { return infos_[static_cast<std::size_t>(a)]; }
  std::optional<Attr> find_attribute(std::string_view name) const;
  std::optional<std::uint8_t> value_code(Attr a, std::string_view value) const;
  // The code of a value the schema is known to hold; throws std::logic_error otherwise.
  std::uint8_t code(Attr a, std::string_view value) const;

  const std::vector<std::string>& tags() const { return tags_; }
  std::optional<std::size_t> tag_index(std::string_view tag) const;

  const std::vector<std::string>& product_codes() const { return product_codes_; }
  std::optional<std::size_t> product_index(std::string_view code) const;

  const std::vector<std::string>& purposes() const { return purposes_; }
  const std::vector<std::string>& channels() const { return channels_; }
  const std::vector<std::string>& partner_categories() const { return categories_; }
  std::size_t scope_count() const { return purposes_.size() * channels_.size() * categories_.size(); }
  std::size_t scope_index(const ConsentScope& s) const {
    return (s.purpose * channels_.size() + s.channel) * categories_.size() + s.category;
  }
  ConsentScope scope(std::size_t index) const;
  std::optional<std::size_t> purpose_index(std::string_view purpose) const;
  std::optional<std::size_t> channel_index(std::string_view channel) const;
  std::optional<std::size_t> category_index(std::string_view category) const;
  // "purpose/channel/category", the import format of one consent scope.
  std::optional<std::size_t> parse_scope(std::string_view text) const;
  std::string scope_name(std::size_t index) const;

  // The published vocabulary: the attributes marked published, and every tag.
  Vocabulary vocabulary() const;

 private:
  PopulationSchema();
  std::vector<AttributeDef> attributes_;
  std::vector<AttributeInfo> infos_;
  std::vector<std::string> tags_;
  std::vector<std::string> product_codes_;
  std::vector<std::string> purposes_, channels_, categories_;
};

}  // namespace octopus::engine::reference
