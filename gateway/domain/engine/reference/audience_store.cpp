#include "engine/reference/audience_store.hpp"

#include <random>

#include "engine/engine.hpp"

namespace octopus::engine::reference {
namespace {

std::string random_id() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device entropy;
  std::string id = "aud_";
  for (int word = 0; word < 4; ++word) {
    auto bits = entropy();
    for (int nibble = 0; nibble < 8; ++nibble, bits >>= 4) id += kHex[bits & 15];
  }
  return id;
}

}  // namespace

std::string AudienceStore::put(Bitmap rows) {
  auto shared = std::make_shared<const Bitmap>(std::move(rows));
  std::lock_guard lock(mutex_);
  for (;;) {
    auto id = random_id();
    if (audiences_.emplace(id, shared).second) return id;
  }
}

std::shared_ptr<const Bitmap> AudienceStore::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto it = audiences_.find(id);
  return it == audiences_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const Bitmap>> AudienceStore::find_all(const std::vector<std::string>& ids) const {
  std::vector<std::shared_ptr<const Bitmap>> out;
  out.reserve(ids.size());
  std::lock_guard lock(mutex_);
  for (const auto& id : ids) {
    const auto it = audiences_.find(id);
    if (it == audiences_.end()) throw AudienceNotFound("no audience " + id);
    out.push_back(it->second);
  }
  return out;
}

bool AudienceStore::erase(const std::string& id) {
  std::lock_guard lock(mutex_);
  return audiences_.erase(id) > 0;
}

std::size_t AudienceStore::size() const {
  std::lock_guard lock(mutex_);
  return audiences_.size();
}

}  // namespace octopus::engine::reference
