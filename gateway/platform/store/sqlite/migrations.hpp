// The schema's history: migration N (1-based) takes the database from version N-1 to N.
#pragma once
#include <span>

namespace octopus::store::sqlite {

std::span<const char* const> migrations();

// A migration that rebuilds a table other tables refer to starts with this line: it runs
// with foreign keys off (SQLite's procedure for altering a table), and every foreign key is
// checked before it commits.
inline constexpr const char* kRebuildsTables = "-- rebuilds tables\n";

}  // namespace octopus::store::sqlite
