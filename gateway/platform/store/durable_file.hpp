// Replacing a small file so that a reader, a crash or a power loss sees either the old
// contents or the new, whole: written to a fresh owner-only file beside it (created
// exclusively, so neither a planted symlink nor another writer's file is followed or
// reused), synced, renamed over the old one, and the folder synced so the rename lasts.
#pragma once
#include <filesystem>
#include <string_view>

namespace octopus::store {

// Throws std::runtime_error naming the path and the system's reason.
void replace_file_durably(const std::filesystem::path& path, std::string_view contents);

}  // namespace octopus::store
