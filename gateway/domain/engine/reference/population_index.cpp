#include "engine/reference/population_index.hpp"

#include <algorithm>
#include <bit>
#include <functional>
#include <limits>
#include <stdexcept>
#include <thread>

namespace octopus::engine::reference {
namespace {

constexpr std::size_t kChunkRows = std::size_t{1} << 16;

}  // namespace

PopulationIndex::PopulationIndex(const PopulationSchema& schema) {
  std::size_t slot = 0;
  for (const auto& a : schema.attributes()) {
    value_slot_.push_back(slot);
    slot += a.values.size();
  }
  tag_slot_ = slot;
  product_slot_ = tag_slot_ + schema.tags().size();
  granted_slot_ = product_slot_ + schema.product_codes().size();
  withdrawn_slot_ = granted_slot_ + schema.scope_count();
  bitmaps_.resize(withdrawn_slot_ + schema.scope_count());
}

PopulationIndex PopulationIndex::build(const Population& population, unsigned threads) {
  if (population.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("the reference engine indexes at most 2^32 - 1 subscribers");
  const auto& schema = population.schema();
  PopulationIndex index(schema);
  const std::size_t rows = population.size();
  const std::size_t chunks = (rows + kChunkRows - 1) / kChunkRows;
  threads = static_cast<unsigned>(std::clamp<std::size_t>(threads, 1, std::max<std::size_t>(chunks, 1)));

  // Each worker indexes a contiguous run of chunks into bitmaps of its own; row numbers
  // are collected per bitmap and chunk first, because one add_many of sorted rows builds
  // a container far faster than row-by-row adds.
  auto index_chunks = [&](std::size_t first_chunk, std::size_t end_chunk, std::vector<Bitmap>& out) {
    out.assign(index.bitmaps_.size(), Bitmap());
    std::vector<std::vector<std::uint32_t>> pending(index.bitmaps_.size());
    for (std::size_t chunk = first_chunk; chunk < end_chunk; ++chunk) {
      const std::size_t begin = chunk * kChunkRows, end = std::min(rows, begin + kChunkRows);
      for (std::size_t row = begin; row < end; ++row) {
        const auto r = static_cast<std::uint32_t>(row);
        for (std::size_t a = 0; a < kAttributeCount; ++a)
          pending[index.value_slot_[a] + population.attribute(row, static_cast<Attr>(a))].push_back(r);
        for (auto bits = population.tags(row); bits; bits &= bits - 1)
          pending[index.tag_slot_ + std::countr_zero(bits)].push_back(r);
        for (auto bits = population.products(row); bits; bits &= bits - 1)
          pending[index.product_slot_ + std::countr_zero(bits)].push_back(r);
        for (auto bits = population.consent_granted(row); bits; bits &= bits - 1)
          pending[index.granted_slot_ + std::countr_zero(bits)].push_back(r);
        for (auto bits = population.consent_withdrawn(row); bits; bits &= bits - 1)
          pending[index.withdrawn_slot_ + std::countr_zero(bits)].push_back(r);
      }
      for (std::size_t b = 0; b < pending.size(); ++b) {
        out[b].add_many(pending[b]);
        pending[b].clear();
      }
    }
  };

  std::vector<std::vector<Bitmap>> parts(threads);
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t)
    workers.emplace_back(index_chunks, chunks * t / threads, chunks * (t + 1) / threads, std::ref(parts[t]));
  index_chunks(0, chunks / threads, parts[0]);
  for (auto& w : workers) w.join();

  for (std::size_t b = 0; b < index.bitmaps_.size(); ++b) {
    index.bitmaps_[b] = std::move(parts[0][b]);
    for (unsigned t = 1; t < threads; ++t) {
      index.bitmaps_[b] |= parts[t][b];
      parts[t][b] = Bitmap();  // release as we go: the peak stays near one copy
    }
    index.bitmaps_[b].optimise();
  }
  index.universe_ = Bitmap::range(static_cast<std::uint32_t>(rows));
  index.universe_.optimise();
  return index;
}

std::size_t PopulationIndex::bytes() const {
  std::size_t total = universe_.heap_bytes() + bitmaps_.capacity() * sizeof(Bitmap);
  for (const auto& b : bitmaps_) total += b.heap_bytes();
  return total + value_slot_.capacity() * sizeof(std::size_t);
}

}  // namespace octopus::engine::reference
