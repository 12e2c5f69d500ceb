// The operator products a partner may offer, and who may take each one. A rule is a short
// list of requirements on the subscriber's columns; the summary partners read and the
// reason a subscriber is refused are both written from the same rule, so they cannot drift.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "engine/reference/population.hpp"

namespace octopus::engine::reference {

struct EligibilityRule {
  std::vector<std::uint8_t> plan_types;    // plan_type codes accepted; empty = any
  std::vector<std::uint8_t> device_types;  // device_type codes accepted; empty = any
  std::vector<std::uint8_t> networks;      // network codes accepted; empty = any
  std::uint8_t min_tenure_band = 0;        // tenure_band code
  std::uint64_t excluded_products = 0;     // product bits that rule a subscriber out (always itself)
};

struct CatalogueProduct {
  std::string code;
  std::string name;
  EligibilityRule rule;
};

class ProductCatalogue {
 public:
  // The reference engine's catalogue, over the reference schema's product codes.
  static const ProductCatalogue& reference();

  const std::vector<CatalogueProduct>& products() const { return products_; }
  std::vector<Product> published() const;
  // Throws std::invalid_argument for a product code not in the catalogue. Every subscriber
  // must also be active.
  Eligibility check(const Population& population, std::size_t row, const std::string& product_code) const;
  // The allocation-free form for batches: `product` is the schema's product index.
  bool eligible(const Population& population, std::size_t row, std::size_t product) const {
    return first_refusal(population, row, product) == Refusal::none;
  }

 private:
  // The first rule a subscriber fails, in the order reasons are given.
  enum class Refusal { none, suspended, plan_type, network, device_type, tenure, holds_product };
  Refusal first_refusal(const Population& population, std::size_t row, std::size_t product) const;

  explicit ProductCatalogue(const PopulationSchema& schema);
  std::string summary(const CatalogueProduct& p) const;
  std::string value_words(Attr a, const std::vector<std::uint8_t>& codes) const;  // "smartphone or tablet"
  int years(std::uint8_t tenure_band) const;
  const PopulationSchema& schema_;
  std::vector<CatalogueProduct> products_;  // in schema product order
  std::uint8_t active_code_ = 0;            // Attr::status "active"
};

}  // namespace octopus::engine::reference
