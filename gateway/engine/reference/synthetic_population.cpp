#include "engine/reference/synthetic_population.hpp"

#include <limits>
#include <random>

namespace octopus::engine::reference {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

AttributeInfo plain(std::string name, std::string description, std::vector<std::string> values) {
  return {std::move(name), std::move(description), std::move(values), false, {}, {}};
}
AttributeInfo bands(std::string name, std::string description, std::vector<std::string> values,
                    std::vector<double> lower) {
  std::vector<double> upper(lower.begin() + 1, lower.end());
  upper.push_back(kInf);
  return {std::move(name), std::move(description), std::move(values), true, std::move(lower), std::move(upper)};
}

// Relative weights per value, in column order (realistic shapes, not real statistics).
const std::vector<std::vector<double>>& weights() {
  static const std::vector<std::vector<double>> w{
      // city: by rough population share of Shandong's 16 cities
      {9.4, 10.1, 4.7, 3.8, 2.2, 7.1, 9.4, 8.3, 5.5, 2.9, 3.0, 11.0, 5.6, 6.0, 3.9, 8.7},
      {11, 22, 21, 19, 15, 12},  // age_band
      {51, 49},                  // gender
      {38, 62},                  // plan_type: postpaid, prepaid
      {55, 45},                  // network: 4g, 5g
      {22, 30, 28, 14, 6},       // arpu_band
      {18, 32, 30, 15, 5},       // data_usage_band
      {62, 30, 8},               // device_os
      {88, 9, 3},                // device_type
      {12, 24, 28, 26, 10},      // tenure_band
      {97, 3},                   // roaming_status
  };
  return w;
}

}  // namespace

std::size_t PopulationSchema::column(std::string_view attribute) const {
  for (std::size_t i = 0; i < attributes.size(); ++i)
    if (attributes[i].name == attribute) return i;
  return attributes.size();
}

const PopulationSchema& population_schema() {
  static const PopulationSchema schema = [] {
    PopulationSchema s;
    s.attributes = {
        plain("city", "City of the subscription",
              {"jinan", "qingdao", "zibo", "zaozhuang", "dongying", "yantai", "weifang", "jining", "taian", "weihai",
               "rizhao", "linyi", "dezhou", "liaocheng", "binzhou", "heze"}),
        bands("age_band", "Age band, years", {"18-24", "25-34", "35-44", "45-54", "55-64", "65+"},
              {18, 25, 35, 45, 55, 65}),
        plain("gender", "Gender as registered", {"female", "male"}),
        plain("plan_type", "Prepaid or postpaid", {"postpaid", "prepaid"}),
        plain("network", "Network generation of the plan", {"4g", "5g"}),
        bands("arpu_band", "Average monthly spend, yuan", {"0-49", "50-99", "100-199", "200-399", "400+"},
              {0, 50, 100, 200, 400}),
        bands("data_usage_band", "Monthly data use, GB", {"0-2", "3-9", "10-29", "30-99", "100+"}, {0, 3, 10, 30, 100}),
        plain("device_os", "Handset operating system", {"android", "harmonyos", "ios"}),
        plain("device_type", "Handset class", {"smartphone", "feature_phone", "tablet"}),
        bands("tenure_band", "Years as a customer", {"0-1", "2-4", "5-9", "10-19", "20+"}, {0, 2, 5, 10, 20}),
        plain("roaming_status", "Currently roaming or not", {"home", "roaming"}),
    };
    s.tags = {"travel",        "gaming",       "short_video", "ecommerce",  "food_delivery", "ride_hailing",
              "music",         "reading",      "finance",     "insurance",  "education",     "parenting",
              "fitness",       "health_apps",  "automotive",  "real_estate", "fashion",      "beauty",
              "sports",        "football",     "basketball",  "esports",    "anime",         "movies",
              "tv_series",     "news",         "weather",     "maps",       "photography",   "pets",
              "home_decor",    "cooking",      "outdoor",     "camping",    "fishing",       "tea",
              "luxury",        "second_hand",  "coupons",     "lottery",    "live_streaming", "social",
              "dating",        "job_search",   "office",      "cloud_storage", "smart_home",  "wearables",
              "cross_border_shopping", "local_services"};
    s.products = {
        {"5G-PLUS", "5G Plus upgrade", "active subscribers on a 4G plan"},
        {"DATA-20G", "20 GB monthly data pack", "every active subscriber not already holding it"},
        {"VIDEO-VIP", "Video VIP membership", "active subscribers with a smartphone or tablet, not already members"},
        {"INTL-ROAM", "International roaming pack", "active postpaid subscribers"},
        {"FAMILY-SHARE", "Family sharing plan", "active postpaid subscribers not already sharing"},
    };
    return s;
  }();
  return schema;
}

Population generate_population(std::size_t n, std::uint64_t seed) {
  const auto& schema = population_schema();
  Population p;
  p.size = n;
  p.columns.assign(schema.attributes.size(), std::vector<std::uint8_t>(n));
  p.active.resize(n);
  p.tags.resize(n);
  p.granted.resize(n);
  p.withdrawn.resize(n);
  p.products.resize(n);

  std::mt19937_64 rng(seed);
  std::vector<std::discrete_distribution<int>> columns;
  for (const auto& w : weights()) columns.emplace_back(w.begin(), w.end());
  // Tag popularity falls off like a Zipf curve: a few interests are common, most are niche.
  std::vector<double> tag_weights;
  for (std::size_t t = 0; t < schema.tags.size(); ++t) tag_weights.push_back(1.0 / static_cast<double>(t + 2));
  std::discrete_distribution<int> tag(tag_weights.begin(), tag_weights.end());
  std::uniform_real_distribution<double> u(0, 1);
  // Consent rates per channel: SMS offers are accepted more often than calls.
  constexpr std::array<double, 3> kChannelRate{0.55, 0.45, 0.12};
  constexpr std::array<double, 3> kPurposeRate{1.0, 0.8, 0.6};

  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t c = 0; c < columns.size(); ++c) p.columns[c][i] = static_cast<std::uint8_t>(columns[c](rng));
    p.active[i] = u(rng) < 0.97;
    const int tag_count = static_cast<int>(rng() % 7);
    for (int k = 0; k < tag_count; ++k) p.tags[i] |= std::uint64_t{1} << tag(rng);
    // A subscriber who says yes tends to say yes broadly: one propensity per person.
    const double propensity = u(rng);
    for (unsigned pu = 0; pu < kPurposes.size(); ++pu)
      for (unsigned ch = 0; ch < kChannels.size(); ++ch)
        for (unsigned cat = 0; cat < kCategories.size(); ++cat) {
          const double rate = kChannelRate[ch] * kPurposeRate[pu] * (cat == 3 ? 0.6 : 1.0);
          if (propensity < rate && u(rng) < 0.9) {
            p.granted[i] |= std::uint64_t{1} << consent_bit(pu, ch, cat);
            if (u(rng) < 0.04) p.withdrawn[i] |= std::uint64_t{1} << consent_bit(pu, ch, cat);  // replied TD
          }
        }
    for (std::size_t pr = 0; pr < schema.products.size(); ++pr)
      if (u(rng) < 0.08) p.products[i] |= static_cast<std::uint8_t>(1u << pr);
  }
  return p;
}

}  // namespace octopus::engine::reference
