// Materialised audiences: the rows of each, under an id nobody can guess, so one holder
// of an id cannot walk to another's audience by counting.
#pragma once
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/reference/bitmap.hpp"

namespace octopus::engine::reference {

class AudienceStore {
 public:
  // Returns the new audience's id: "aud_" and 32 hex digits from the system's randomness.
  std::string put(Bitmap rows);
  // nullptr when there is no such audience.
  std::shared_ptr<const Bitmap> find(const std::string& id) const;
  // Several at once, in order (one lock for all); throws AudienceNotFound naming the first missing.
  std::vector<std::shared_ptr<const Bitmap>> find_all(const std::vector<std::string>& ids) const;
  // false when there was no such audience.
  bool erase(const std::string& id);
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const Bitmap>> audiences_;
};

}  // namespace octopus::engine::reference
