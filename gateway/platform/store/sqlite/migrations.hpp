// The schema's history: migration N (1-based) takes the database from version N-1 to N.
#pragma once
#include <span>

namespace octopus::store::sqlite {

std::span<const char* const> migrations();

}  // namespace octopus::store::sqlite
