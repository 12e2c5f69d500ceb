#include "engine/reference/product_catalogue.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace octopus::engine::reference {
namespace {

std::string join_words(const std::vector<std::string>& words, const std::string& last_joint) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? last_joint : ", ";
    out += words[i];
  }
  return out;
}

std::string with_spaces(std::string value) {
  std::replace(value.begin(), value.end(), '_', ' ');
  return value;
}

}  // namespace

ProductCatalogue::ProductCatalogue(const PopulationSchema& s)
    : schema_(s), active_code_(s.code(Attr::status, "active")) {
  auto bit = [&](const char* code) { return std::uint64_t{1} << *s.product_index(code); };
  const auto postpaid = s.code(Attr::plan_type, "postpaid");
  const auto smartphone = s.code(Attr::device_type, "smartphone"), tablet = s.code(Attr::device_type, "tablet"),
             hotspot = s.code(Attr::device_type, "mobile_hotspot");
  const auto five_g = s.code(Attr::network, "5g");
  const std::vector<std::uint8_t> data_devices{smartphone, tablet, hotspot};
  const std::vector<std::uint8_t> app_devices{smartphone, tablet};

  products_ = {
      {"5G-PLUS", "5G Plus monthly package (100 GB of 5G data)", {{}, data_devices, {}, 0, bit("5G-PLUS")}},
      {"DATA-20G", "20 GB monthly data add-on", {{}, data_devices, {}, 0, bit("DATA-20G") | bit("DATA-50G")}},
      {"DATA-50G", "50 GB monthly data add-on", {{}, data_devices, {}, 0, bit("DATA-50G")}},
      {"VIDEO-VIP", "Video streaming membership", {{}, app_devices, {}, 0, bit("VIDEO-VIP")}},
      {"MUSIC-VIP", "Music streaming membership", {{}, app_devices, {}, 0, bit("MUSIC-VIP")}},
      {"CLOUD-100G", "100 GB cloud storage", {{}, app_devices, {}, 0, bit("CLOUD-100G")}},
      {"ROAM-INTL", "International roaming day pass", {{postpaid}, {}, {}, 0, bit("ROAM-INTL")}},
      {"FAMILY-SHARE",
       "Family sharing of minutes and data, up to 4 members",
       {{postpaid}, {}, {}, 0, bit("FAMILY-SHARE")}},
      {"BROADBAND-1000",
       "Gigabit home broadband",
       {{}, {}, {}, s.code(Attr::tenure_band, "2-4"), bit("BROADBAND-1000")}},
      {"VOICE-300", "300 extra domestic minutes a month", {{}, {}, {}, 0, bit("VOICE-300")}},
      {"SECURITY-GUARD", "Anti-fraud protection for calls and SMS", {{}, {}, {}, 0, bit("SECURITY-GUARD")}},
      {"GAME-BOOST", "Low-latency mobile gaming accelerator", {{}, {smartphone}, {five_g}, 0, bit("GAME-BOOST")}},
  };
  if (products_.size() != s.product_codes().size())
    throw std::logic_error("the product catalogue and the schema's product codes differ");
  for (std::size_t i = 0; i < products_.size(); ++i)
    if (products_[i].code != s.product_codes()[i])
      throw std::logic_error("the product catalogue is not in the schema's product order at " + products_[i].code);
}

const ProductCatalogue& ProductCatalogue::reference() {
  static const ProductCatalogue catalogue(PopulationSchema::reference());
  return catalogue;
}

std::string ProductCatalogue::value_words(Attr a, const std::vector<std::uint8_t>& codes) const {
  std::vector<std::string> words;
  for (auto c : codes) words.push_back(with_spaces(schema_.attribute(a).values[c]));
  return join_words(words, " or ");
}

int ProductCatalogue::years(std::uint8_t tenure_band) const {
  return static_cast<int>(schema_.attribute(Attr::tenure_band).lower_bounds[tenure_band]);
}

std::string ProductCatalogue::summary(const CatalogueProduct& p) const {
  auto names = [&](Attr a, const std::vector<std::uint8_t>& codes) { return value_words(a, codes); };
  std::vector<std::string> parts{"Active subscribers"};
  if (!p.rule.plan_types.empty()) parts.push_back("on a " + names(Attr::plan_type, p.rule.plan_types) + " plan");
  if (!p.rule.networks.empty()) parts.push_back("on " + names(Attr::network, p.rule.networks));
  if (!p.rule.device_types.empty()) parts.push_back("using a " + names(Attr::device_type, p.rule.device_types));
  if (p.rule.min_tenure_band > 0)
    parts.push_back("customers for at least " + std::to_string(years(p.rule.min_tenure_band)) + " years");
  std::vector<std::string> excluded;
  for (auto bits = p.rule.excluded_products; bits; bits &= bits - 1)
    excluded.push_back(schema_.product_codes()[static_cast<std::size_t>(std::countr_zero(bits))]);
  parts.push_back("not already holding " + join_words(excluded, " or "));
  std::string text = parts[0];
  for (std::size_t i = 1; i < parts.size(); ++i) text += (i + 1 == parts.size() ? ", " : " ") + parts[i];
  return text + ".";
}

std::vector<Product> ProductCatalogue::published() const {
  std::vector<Product> out;
  for (const auto& p : products_) out.push_back({p.code, p.name, summary(p)});
  return out;
}

ProductCatalogue::Refusal ProductCatalogue::first_refusal(const Population& population, std::size_t row,
                                                          std::size_t product) const {
  const auto& p = products_[product];
  auto accepted = [&](Attr a, const std::vector<std::uint8_t>& codes) {
    return codes.empty() || std::find(codes.begin(), codes.end(), population.attribute(row, a)) != codes.end();
  };
  if (population.attribute(row, Attr::status) != active_code_) return Refusal::suspended;
  if (!accepted(Attr::plan_type, p.rule.plan_types)) return Refusal::plan_type;
  if (!accepted(Attr::network, p.rule.networks)) return Refusal::network;
  if (!accepted(Attr::device_type, p.rule.device_types)) return Refusal::device_type;
  if (population.attribute(row, Attr::tenure_band) < p.rule.min_tenure_band) return Refusal::tenure;
  if (population.products(row) & p.rule.excluded_products) return Refusal::holds_product;
  return Refusal::none;
}

Eligibility ProductCatalogue::check(const Population& population, std::size_t row,
                                    const std::string& product_code) const {
  const auto index = schema_.product_index(product_code);
  if (!index) throw std::invalid_argument("no product '" + product_code + "' in the catalogue");
  const auto& p = products_[*index];
  auto refuse = [](std::string reason) { return Eligibility{false, std::move(reason)}; };
  auto names = [&](Attr a, const std::vector<std::uint8_t>& codes) { return value_words(a, codes); };
  switch (first_refusal(population, row, *index)) {
    case Refusal::none: return {true, ""};
    case Refusal::suspended: return refuse("the subscription is suspended");
    case Refusal::plan_type: return refuse("requires a " + names(Attr::plan_type, p.rule.plan_types) + " plan");
    case Refusal::network: return refuse("requires " + names(Attr::network, p.rule.networks));
    case Refusal::device_type: return refuse("requires a " + names(Attr::device_type, p.rule.device_types));
    case Refusal::tenure:
      return refuse("requires at least " + std::to_string(years(p.rule.min_tenure_band)) + " years as a customer");
    case Refusal::holds_product: {
      const auto held = population.products(row) & p.rule.excluded_products;
      return refuse("already holds " + schema_.product_codes()[static_cast<std::size_t>(std::countr_zero(held))]);
    }
  }
  return refuse("not eligible");
}

}  // namespace octopus::engine::reference
