// The PostgreSQL schema's history: migration N (1-based) takes the database from version
// N-1 to N. PostgreSQL's numbering starts at SQLite's migration 15 (its first migration is
// that whole schema); both lists grow together from there.
#pragma once
#include <span>

namespace octopus::store::postgresql {

std::span<const char* const> migrations();

}  // namespace octopus::store::postgresql
