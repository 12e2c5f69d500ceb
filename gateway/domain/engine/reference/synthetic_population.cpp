#include "engine/reference/synthetic_population.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <numeric>
#include <thread>
#include <vector>

namespace octopus::engine::reference {
namespace {

// Rows per unit of work; a multiple of 64, so parallel writers never share a column word,
// and each unit has its own seed, so the thread count does not change the result.
constexpr std::size_t kChunkRows = std::size_t{1} << 16;

// Synthetic ids sit far above any 11-digit mobile number, so a synthetic subscriber can
// never be mistaken for a real one in a log or a test fixture.
constexpr std::uint64_t kIdBase = 9'000'000'000'000;
constexpr std::uint64_t kIdsPerCity = 10'000'000'000;

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

std::uint64_t mix(std::uint64_t a, std::uint64_t b) { return SplitMix64(a ^ (b * 0xd1b54a32d192ed03ULL)).next(); }

// A categorical distribution sampled with one 32-bit draw against cumulative thresholds.
class Categorical {
 public:
  Categorical() = default;
  explicit Categorical(std::vector<double> weights) {
    const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
    double running = 0;
    for (double w : weights) {
      running += w / total;
      cumulative_.push_back(static_cast<std::uint64_t>(std::llround(running * 4294967296.0)));
    }
    cumulative_.back() = std::uint64_t{1} << 32;
  }
  std::uint8_t sample(std::uint32_t draw) const {
    std::uint8_t i = 0;
    while (draw >= cumulative_[i]) ++i;
    return i;
  }

 private:
  std::vector<std::uint64_t> cumulative_;
};

std::uint16_t chance(double p) { return static_cast<std::uint16_t>(std::clamp(p, 0.0, 0.9999) * 65536.0); }

// Independent yes/no draws for up to 64 bits at once, four 16-bit draws per 64-bit number.
class BernoulliMask {
 public:
  BernoulliMask() = default;
  explicit BernoulliMask(const std::vector<double>& p) {
    for (double x : p) thresholds_.push_back(chance(x));
  }
  std::uint64_t draw(SplitMix64& rng) const {
    std::uint64_t mask = 0, bits = 0;
    for (std::size_t i = 0; i < thresholds_.size(); ++i) {
      if (i % 4 == 0) bits = rng.next();
      if (static_cast<std::uint16_t>(bits >> (16 * (i % 4))) < thresholds_[i]) mask |= std::uint64_t{1} << i;
    }
    return mask;
  }

 private:
  std::vector<std::uint16_t> thresholds_;
};

constexpr std::size_t kAges = 6;

// Shandong's 2020 census population by city, millions.
const std::array<double, 16> kCityWeights{9.20, 10.07, 4.70, 3.86,  2.19, 7.10, 9.39, 8.36,
                                          5.47, 2.91,  2.97, 11.02, 5.61, 5.95, 3.93, 8.80};

// Interest tags: base share of subscribers, then how the share moves with age band.
struct TagProfile {
  const char* name;
  double base;
  std::array<double, kAges> by_age;
};
constexpr std::array<double, kAges> kFlat{1, 1, 1, 1, 1, 1};
const std::vector<TagProfile> kTagProfiles{
    {"short_video", .45, {1.2, 1.1, 1.0, 1.0, 0.9, 0.8}},
    {"ecommerce", .38, {1.1, 1.3, 1.2, 1.0, 0.7, 0.4}},
    {"news", .22, {0.5, 0.8, 1.0, 1.3, 1.5, 1.6}},
    {"food_delivery", .22, {1.6, 1.5, 1.1, 0.7, 0.4, 0.2}},
    {"gaming", .18, {2.0, 1.5, 1.0, 0.6, 0.3, 0.15}},
    {"music", .18, {1.5, 1.2, 1.0, 0.8, 0.6, 0.5}},
    {"online_video", .20, kFlat},
    {"travel", .12, {1.0, 1.2, 1.1, 1.0, 0.9, 0.7}},
    {"ride_hailing", .12, {1.4, 1.4, 1.1, 0.8, 0.5, 0.3}},
    {"finance", .10, {0.5, 1.1, 1.3, 1.2, 0.9, 0.6}},
    {"education", .08, {1.8, 1.0, 1.3, 0.8, 0.4, 0.3}},
    {"fitness", .08, {1.4, 1.3, 1.0, 0.8, 0.6, 0.4}},
    {"sports", .08, {1.3, 1.2, 1.0, 0.9, 0.7, 0.5}},
    {"automotive", .07, {0.7, 1.4, 1.3, 1.0, 0.6, 0.3}},
    {"real_estate", .04, {0.3, 1.3, 1.4, 1.0, 0.6, 0.3}},
    {"parenting", .06, {0.2, 1.6, 2.0, 0.8, 0.3, 0.2}},
    {"beauty", .06, {1.6, 1.4, 1.1, 0.8, 0.5, 0.3}},
    {"fashion", .06, {1.8, 1.4, 1.0, 0.7, 0.4, 0.2}},
    {"photography", .04, kFlat},
    {"reading", .06, kFlat},
    {"local_services", .09, kFlat},
    {"recipes", .05, {0.5, 0.9, 1.1, 1.2, 1.2, 1.0}},
    {"home_living", .05, {0.5, 1.2, 1.3, 1.1, 0.8, 0.5}},
    {"pets", .04, {1.3, 1.4, 1.0, 0.8, 0.6, 0.4}},
    {"outdoor", .04, kFlat},
    {"esports", .04, {2.5, 1.5, 0.7, 0.3, 0.1, 0.05}},
    {"anime", .04, {2.5, 1.4, 0.6, 0.3, 0.1, 0.05}},
    {"livestreaming", .08, {1.3, 1.2, 1.0, 0.9, 0.8, 0.7}},
    {"stock_trading", .05, {0.3, 0.9, 1.3, 1.3, 1.1, 0.7}},
    {"insurance", .03, {0.3, 1.0, 1.3, 1.3, 1.0, 0.6}},
    {"job_search", .04, {2.5, 1.5, 0.8, 0.5, 0.2, 0.05}},
    {"hotels", .04, kFlat},
    {"flights", .03, kFlat},
    {"rail_travel", .06, kFlat},
    {"navigation", .07, kFlat},
    {"smart_home", .03, kFlat},
    {"wearables", .03, kFlat},
    {"podcasts", .02, kFlat},
    {"cinema", .05, {1.6, 1.4, 1.0, 0.7, 0.4, 0.2}},
    {"karaoke", .03, kFlat},
    {"tea_culture", .02, {0.2, 0.5, 0.8, 1.3, 1.8, 2.0}},
    {"fishing", .02, {0.3, 0.6, 1.0, 1.4, 1.6, 1.4}},
    {"gardening", .02, {0.2, 0.4, 0.8, 1.3, 1.8, 2.0}},
    {"luxury", .01, kFlat},
    {"second_hand", .04, kFlat},
    {"group_buying", .06, kFlat},
    {"office_productivity", .04, {0.8, 1.3, 1.3, 1.0, 0.5, 0.2}},
    {"cloud_storage", .03, kFlat},
    {"charity", .01, kFlat},
    {"casual_games", .07, {1.2, 1.0, 1.0, 1.0, 1.0, 0.8}},
};

// Everything the per-row draws need, computed once.
class SubscriberModel {
 public:
  explicit SubscriberModel(const PopulationSchema& s) {
    attribute_distributions();
    tag_masks(s);
    consent_masks(s);
    codes(s);
  }

  void fill(Population& p, std::size_t row, std::uint8_t city, SplitMix64& rng) const {
    auto draw32 = [&] { return static_cast<std::uint32_t>(rng.next() >> 32); };
    auto yes = [&](double probability) { return (rng.next() >> 11) * 0x1.0p-53 < probability; };

    const std::uint8_t age = age_.sample(draw32());
    const bool male = yes(.51);
    const std::uint8_t device = device_[age].sample(draw32());
    const bool feature = device == feature_phone_;
    const bool handset_with_os = device == smartphone_ || device == tablet_;
    const std::uint8_t os = handset_with_os ? (age <= 1 ? os_young_ : os_older_).sample(draw32()) : other_os_;
    static constexpr std::array<double, kAges> k5g{.72, .70, .62, .50, .35, .20};
    static constexpr std::array<double, kAges> kPostpaid{.25, .42, .48, .45, .38, .30};
    const bool on_5g = !feature && yes(k5g[age]);
    const bool postpaid = yes(kPostpaid[age]);
    const bool suspended = yes(postpaid ? .015 : .04);
    const std::uint8_t arpu = arpu_[postpaid][on_5g].sample(draw32());
    const std::uint8_t data = feature ? 0 : data_[on_5g][age < 2 ? 0 : age < 4 ? 1 : 2].sample(draw32());
    const std::uint8_t tenure = tenure_[age].sample(draw32());
    const std::uint8_t roaming = roaming_.sample(draw32());

    p.set_attribute(row, Attr::city, city);
    p.set_attribute(row, Attr::age_band, age);
    p.set_attribute(row, Attr::gender, male ? 1 : 0);
    p.set_attribute(row, Attr::plan_type, postpaid ? 1 : 0);
    p.set_attribute(row, Attr::network, on_5g ? 1 : 0);
    p.set_attribute(row, Attr::arpu_band, arpu);
    p.set_attribute(row, Attr::data_usage_band, data);
    p.set_attribute(row, Attr::device_type, device);
    p.set_attribute(row, Attr::device_os, os);
    p.set_attribute(row, Attr::tenure_band, tenure);
    p.set_attribute(row, Attr::roaming_status, roaming);
    p.set_attribute(row, Attr::status, suspended ? 1 : 0);

    const std::uint64_t tags = tags_[age][feature].draw(rng);
    p.set_tags(row, tags);

    p.set_products(row, draw_products(on_5g, feature, handset_with_os, postpaid, roaming, tenure, age, tags, rng));

    const std::uint64_t granted = granted_[level_.sample(draw32())].draw(rng);
    const std::uint64_t withdrawn =
        (granted & withdrawn_after_grant_.draw(rng)) | (~granted & withdrawn_without_grant_.draw(rng));
    p.set_consent(row, granted, withdrawn);
  }

 private:
  // Which of the catalogue's products the subscriber holds, each by its own chance.
  std::uint64_t draw_products(bool on_5g, bool feature, bool handset_with_os, bool postpaid, std::uint8_t roaming,
                              std::uint8_t tenure, std::uint8_t age, std::uint64_t tags, SplitMix64& rng) const {
    const double products[] = {
        on_5g ? .45 : 0,    // 5G-PLUS
        feature ? 0 : .14,  // DATA-20G
        feature ? 0
        : on_5g ? .10
                : .04,                                             // DATA-50G
        handset_with_os ? (tags & online_video_ ? .35 : .10) : 0,  // VIDEO-VIP
        handset_with_os ? (tags & music_ ? .20 : .05) : 0,         // MUSIC-VIP
        handset_with_os ? .07 : 0,                                 // CLOUD-100G
        postpaid ? (roaming == international_ ? .34 : .04) : 0,    // ROAM-INTL
        postpaid ? .20 : 0,                                        // FAMILY-SHARE
        tenure >= 1 ? .22 : 0,                                     // BROADBAND-1000
        age >= 4 ? .16 : .08,                                      // VOICE-300
        age >= 5 ? .25 : .12,                                      // SECURITY-GUARD
        on_5g ? (tags & gaming_ ? .20 : .02) : 0,                  // GAME-BOOST
    };
    std::uint64_t held = 0, bits = 0;
    for (std::size_t i = 0; i < product_bit_.size(); ++i) {
      if (i % 4 == 0) bits = rng.next();
      if (static_cast<std::uint16_t>(bits >> (16 * (i % 4))) < chance(products[i])) held |= product_bit_[i];
    }
    return held;
  }

  void attribute_distributions() {
    age_ = Categorical({.11, .20, .19, .21, .16, .13});
    const std::array<std::array<double, 4>, kAges> device{{{.95, .01, .03, .01},
                                                           {.94, .01, .03, .02},
                                                           {.93, .02, .035, .015},
                                                           {.90, .06, .03, .01},
                                                           {.82, .15, .025, .005},
                                                           {.62, .36, .02, .0}}};
    const std::array<std::array<double, 5>, kAges> tenure{{{.35, .40, .22, .03, 0},
                                                           {.15, .25, .35, .24, .01},
                                                           {.08, .15, .27, .40, .10},
                                                           {.06, .12, .22, .40, .20},
                                                           {.05, .10, .20, .37, .28},
                                                           {.05, .08, .17, .35, .35}}};
    for (std::size_t a = 0; a < kAges; ++a) {
      device_[a] = Categorical({device[a].begin(), device[a].end()});
      tenure_[a] = Categorical({tenure[a].begin(), tenure[a].end()});
    }
    os_young_ = Categorical({.42, .28, .30, 0});
    os_older_ = Categorical({.50, .35, .15, 0});
    // arpu by (postpaid, 5g)
    arpu_[0][0] = Categorical({.30, .35, .22, .10, .025, .005});
    arpu_[0][1] = Categorical({.08, .25, .35, .24, .06, .02});
    arpu_[1][0] = Categorical({.10, .25, .33, .24, .06, .02});
    arpu_[1][1] = Categorical({.02, .10, .30, .38, .15, .05});
    // data use by (5g, age group: under 35, 35-54, 55+)
    data_[0][0] = Categorical({.05, .20, .35, .25, .10, .05});
    data_[0][1] = Categorical({.10, .30, .35, .17, .06, .02});
    data_[0][2] = Categorical({.35, .35, .20, .07, .02, .01});
    data_[1][0] = Categorical({.02, .08, .25, .30, .20, .15});
    data_[1][1] = Categorical({.04, .15, .30, .28, .15, .08});
    data_[1][2] = Categorical({.15, .30, .30, .15, .07, .03});
    roaming_ = Categorical({.965, .03, .005});
  }

  void tag_masks(const PopulationSchema& s) {
    // Tags in schema order; feature-phone users show far fewer app interests.
    for (std::size_t a = 0; a < kAges; ++a)
      for (int feature = 0; feature < 2; ++feature) {
        std::vector<double> p(s.tags().size(), 0.0);
        for (const auto& t : kTagProfiles)
          p[*s.tag_index(t.name)] = std::min(0.95, t.base * t.by_age[a] * (feature ? 0.15 : 1.0));
        tags_[a][feature] = BernoulliMask(p);
      }
  }

  void consent_masks(const PopulationSchema& s) {
    // Consent: a subscriber is open, selective or closed to contact; the rate of each grant
    // depends on the purpose and channel (calls are granted least), then the category.
    const std::array<std::array<double, 3>, 3> base{{{.50, .35, .12}, {.35, .42, .05}, {.42, .48, .08}}};
    const std::array<double, 4> category{.85, .70, .55, .50};
    const std::array<double, 3> level{1.5, 1.0, 0.08};
    level_ = Categorical({.30, .50, .20});
    std::vector<double> withdraw_after_grant(s.scope_count()), withdraw_without_grant(s.scope_count());
    for (std::size_t l = 0; l < 3; ++l) {
      std::vector<double> p(s.scope_count());
      for (std::size_t i = 0; i < p.size(); ++i) {
        const auto scope = s.scope(i);
        p[i] = std::min(0.97, base[scope.purpose][scope.channel] * category[scope.category] * level[l]);
        withdraw_after_grant[i] = scope.channel == 0 ? .06 : .04;  // SMS "TD" replies are the easiest opt-out
        withdraw_without_grant[i] = .008;
      }
      granted_[l] = BernoulliMask(p);
    }
    withdrawn_after_grant_ = BernoulliMask(withdraw_after_grant);
    withdrawn_without_grant_ = BernoulliMask(withdraw_without_grant);
  }

  void codes(const PopulationSchema& s) {
    feature_phone_ = s.code(Attr::device_type, "feature_phone");
    smartphone_ = s.code(Attr::device_type, "smartphone");
    tablet_ = s.code(Attr::device_type, "tablet");
    other_os_ = s.code(Attr::device_os, "other");
    international_ = s.code(Attr::roaming_status, "international_roaming");
    for (const char* code : {"5G-PLUS", "DATA-20G", "DATA-50G", "VIDEO-VIP", "MUSIC-VIP", "CLOUD-100G", "ROAM-INTL",
                             "FAMILY-SHARE", "BROADBAND-1000", "VOICE-300", "SECURITY-GUARD", "GAME-BOOST"})
      product_bit_.push_back(std::uint64_t{1} << *s.product_index(code));
    gaming_ = std::uint64_t{1} << *s.tag_index("gaming");
    online_video_ = std::uint64_t{1} << *s.tag_index("online_video");
    music_ = std::uint64_t{1} << *s.tag_index("music");
  }

  Categorical age_, os_young_, os_older_, roaming_, level_;
  std::array<Categorical, kAges> device_, tenure_;
  Categorical arpu_[2][2], data_[2][3];
  BernoulliMask tags_[kAges][2];
  BernoulliMask granted_[3], withdrawn_after_grant_, withdrawn_without_grant_;
  std::uint8_t feature_phone_ = 0, smartphone_ = 0, tablet_ = 0, other_os_ = 0, international_ = 0;
  std::vector<std::uint64_t> product_bit_;
  std::uint64_t gaming_ = 0, online_video_ = 0, music_ = 0;
};

// Rows per city in proportion to its population (largest remainders get the spare rows).
std::vector<std::size_t> city_starts(std::size_t n) {
  const double total = std::accumulate(kCityWeights.begin(), kCityWeights.end(), 0.0);
  std::vector<std::size_t> counts(kCityWeights.size());
  std::vector<std::pair<double, std::size_t>> remainders;
  std::size_t assigned = 0;
  for (std::size_t c = 0; c < counts.size(); ++c) {
    const double exact = kCityWeights[c] / total * static_cast<double>(n);
    counts[c] = static_cast<std::size_t>(exact);
    assigned += counts[c];
    remainders.emplace_back(-(exact - static_cast<double>(counts[c])), c);
  }
  std::sort(remainders.begin(), remainders.end());
  for (std::size_t i = 0; assigned < n; ++i, ++assigned) ++counts[remainders[i].second];
  std::vector<std::size_t> starts(counts.size() + 1, 0);
  for (std::size_t c = 0; c < counts.size(); ++c) starts[c + 1] = starts[c] + counts[c];
  return starts;
}

}  // namespace

std::shared_ptr<Population> generate_synthetic_population(const SyntheticPopulationOptions& options) {
  const auto& schema = PopulationSchema::reference();
  const SubscriberModel model(schema);
  const std::size_t n = options.subscribers;
  auto population = std::make_shared<Population>(n, schema);
  const auto starts = city_starts(n);
  const std::size_t chunks = (n + kChunkRows - 1) / kChunkRows;
  std::atomic<std::size_t> next_chunk{0};

  auto work = [&] {
    for (std::size_t chunk; (chunk = next_chunk.fetch_add(1)) < chunks;) {
      SplitMix64 rng(mix(options.seed, chunk));
      const std::size_t begin = chunk * kChunkRows, end = std::min(n, begin + kChunkRows);
      std::size_t city =
          static_cast<std::size_t>(std::upper_bound(starts.begin(), starts.end(), begin) - starts.begin()) - 1;
      for (std::size_t row = begin; row < end; ++row) {
        while (row >= starts[city + 1]) ++city;
        const std::uint64_t local = row - starts[city];
        // Ascending within and across cities, with small random gaps, like a numbering
        // plan's used numbers.
        population->set_id(row, kIdBase + city * kIdsPerCity + local * 4 + (rng.next() & 3));
        model.fill(*population, row, static_cast<std::uint8_t>(city), rng);
      }
    }
  };
  const unsigned threads = std::max(1u, options.threads);
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t) workers.emplace_back(work);
  work();
  for (auto& w : workers) w.join();
  return population;
}

}  // namespace octopus::engine::reference
