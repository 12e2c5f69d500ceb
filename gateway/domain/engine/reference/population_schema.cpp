#include "engine/reference/population_schema.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <stdexcept>

namespace octopus::engine::reference {
namespace {

constexpr double kOpenEnded = std::numeric_limits<double>::infinity();

template <typename T>
std::optional<std::size_t> position(const std::vector<T>& list, std::string_view name) {
  const auto it = std::find(list.begin(), list.end(), name);
  if (it == list.end()) return std::nullopt;
  return static_cast<std::size_t>(it - list.begin());
}

AttributeDef plain(std::string name, std::string description, std::vector<std::string> values, bool published = true) {
  AttributeDef a;
  a.name = std::move(name);
  a.description = std::move(description);
  a.values = std::move(values);
  a.published = published;
  return a;
}

// Bands of whole numbers: each band runs from its lower bound up to the next band's.
AttributeDef banded(std::string name, std::string description, std::vector<std::string> values,
                    std::vector<double> lower_bounds) {
  AttributeDef a = plain(std::move(name), std::move(description), std::move(values));
  a.ordered = true;
  a.lower_bounds = lower_bounds;
  for (std::size_t i = 0; i < lower_bounds.size(); ++i)
    a.upper_bounds.push_back(i + 1 < lower_bounds.size() ? lower_bounds[i + 1] : kOpenEnded);
  return a;
}

}  // namespace

PopulationSchema::PopulationSchema() {
  attributes_.resize(kAttributeCount);
  auto set = [&](Attr a, AttributeDef def) { attributes_[static_cast<std::size_t>(a)] = std::move(def); };
  set(Attr::city, plain("city", "City of the subscription (the 16 prefecture-level cities of Shandong)",
                        {"jinan", "qingdao", "zibo", "zaozhuang", "dongying", "yantai", "weifang", "jining", "taian",
                         "weihai", "rizhao", "linyi", "dezhou", "liaocheng", "binzhou", "heze"}));
  set(Attr::age_band, banded("age_band", "Age band in years", {"18-24", "25-34", "35-44", "45-54", "55-64", "65+"},
                             {18, 25, 35, 45, 55, 65}));
  set(Attr::gender, plain("gender", "Gender as registered", {"female", "male"}));
  set(Attr::plan_type, plain("plan_type", "Prepaid or postpaid", {"prepaid", "postpaid"}));
  set(Attr::network, plain("network", "Radio generation of the subscription", {"4g", "5g"}));
  set(Attr::arpu_band, banded("arpu_band", "Average monthly spend band, yuan",
                              {"0-29", "30-59", "60-99", "100-199", "200-399", "400+"}, {0, 30, 60, 100, 200, 400}));
  set(Attr::data_usage_band, banded("data_usage_band", "Monthly data use band, GB",
                                    {"0-1", "2-9", "10-29", "30-59", "60-99", "100+"}, {0, 2, 10, 30, 60, 100}));
  set(Attr::device_type,
      plain("device_type", "Handset class", {"smartphone", "feature_phone", "tablet", "mobile_hotspot"}));
  set(Attr::device_os, plain("device_os", "Handset operating system", {"android", "harmonyos", "ios", "other"}));
  set(Attr::tenure_band, banded("tenure_band", "How long the subscriber has been a customer, years",
                                {"0-1", "2-4", "5-9", "10-19", "20+"}, {0, 2, 5, 10, 20}));
  set(Attr::roaming_status, plain("roaming_status", "Currently roaming or not",
                                  {"not_roaming", "domestic_roaming", "international_roaming"}));
  set(Attr::status, plain("status", "Subscription status", {"active", "suspended"}, /*published=*/false));
  for (auto& a : attributes_) {
    a.bits = static_cast<unsigned>(std::bit_width(a.values.size() - 1));
    infos_.push_back({a.name, a.description, a.values, a.ordered, a.lower_bounds, a.upper_bounds});
  }

  // A data table, a few names to a line.
  // clang-format off
  tags_ = {
      "short_video", "ecommerce", "news", "food_delivery", "gaming", "music", "online_video", "travel",
      "ride_hailing", "finance", "education", "fitness", "sports", "automotive", "real_estate", "parenting",
      "beauty", "fashion", "photography", "reading", "local_services", "recipes", "home_living", "pets", "outdoor",
      "esports", "anime", "livestreaming", "stock_trading", "insurance", "job_search", "hotels", "flights",
      "rail_travel", "navigation", "smart_home", "wearables", "podcasts", "cinema", "karaoke", "tea_culture",
      "fishing", "gardening", "luxury", "second_hand", "group_buying", "office_productivity", "cloud_storage",
      "charity", "casual_games"};
  // clang-format on

  product_codes_ = {"5G-PLUS",   "DATA-20G",     "DATA-50G",       "VIDEO-VIP", "MUSIC-VIP",      "CLOUD-100G",
                    "ROAM-INTL", "FAMILY-SHARE", "BROADBAND-1000", "VOICE-300", "SECURITY-GUARD", "GAME-BOOST"};

  purposes_ = {"dpv:DirectMarketing", "dpv:Personalisation", "dpv:ServiceOptimisation"};
  channels_ = {"sms", "push", "outbound_call"};
  categories_ = {"internet", "content", "app", "agent"};
}

const PopulationSchema& PopulationSchema::reference() {
  static const PopulationSchema schema;
  return schema;
}

std::optional<Attr> PopulationSchema::find_attribute(std::string_view name) const {
  for (std::size_t i = 0; i < attributes_.size(); ++i)
    if (attributes_[i].name == name) return static_cast<Attr>(i);
  return std::nullopt;
}

std::optional<std::uint8_t> PopulationSchema::value_code(Attr a, std::string_view value) const {
  const auto p = position(attribute(a).values, value);
  if (!p) return std::nullopt;
  return static_cast<std::uint8_t>(*p);
}

std::uint8_t PopulationSchema::code(Attr a, std::string_view value) const {
  const auto c = value_code(a, value);
  if (!c) throw std::logic_error("the schema has no value '" + std::string(value) + "' of " + attribute(a).name);
  return *c;
}

std::optional<std::size_t> PopulationSchema::tag_index(std::string_view tag) const { return position(tags_, tag); }

std::optional<std::size_t> PopulationSchema::product_index(std::string_view code) const {
  return position(product_codes_, code);
}

std::optional<std::size_t> PopulationSchema::purpose_index(std::string_view p) const { return position(purposes_, p); }
std::optional<std::size_t> PopulationSchema::channel_index(std::string_view c) const { return position(channels_, c); }
std::optional<std::size_t> PopulationSchema::category_index(std::string_view c) const {
  return position(categories_, c);
}

ConsentScope PopulationSchema::scope(std::size_t index) const {
  ConsentScope s;
  s.category = index % categories_.size();
  index /= categories_.size();
  s.channel = index % channels_.size();
  s.purpose = index / channels_.size();
  return s;
}

std::optional<std::size_t> PopulationSchema::parse_scope(std::string_view text) const {
  const auto first = text.find('/');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = text.find('/', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const auto p = purpose_index(text.substr(0, first));
  const auto c = channel_index(text.substr(first + 1, second - first - 1));
  const auto k = category_index(text.substr(second + 1));
  if (!p || !c || !k) return std::nullopt;
  return scope_index({*p, *c, *k});
}

std::string PopulationSchema::scope_name(std::size_t index) const {
  const auto s = scope(index);
  return purposes_[s.purpose] + "/" + channels_[s.channel] + "/" + categories_[s.category];
}

Vocabulary PopulationSchema::vocabulary() const {
  Vocabulary v;
  for (std::size_t i = 0; i < attributes_.size(); ++i)
    if (attributes_[i].published) v.attributes.push_back(infos_[i]);
  v.tags = tags_;
  return v;
}

}  // namespace octopus::engine::reference
