#include "octopus/sdk/version.hpp"

namespace octopus {
const char* sdk_version() noexcept { return OCTOPUS_SDK_VERSION; }
}  // namespace octopus
