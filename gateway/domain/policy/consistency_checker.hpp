// The rules a JSON Schema cannot express: references between files (a plan or category
// named but not defined), contradictions (a tier targeting a never-targetable attribute,
// per-day caps above per-week caps, quiet hours that silence a channel without saying so)
// and facts about the world (a time zone the system knows, a date that exists).
// A check runs only when every file it reads is sound (PolicyDocuments::sound), so an
// officer sees the problems of the sound files in the same run as the schema errors.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "policy/policy_documents.hpp"
#include "policy/policy_error.hpp"

namespace octopus::policy {

PolicyErrors check_consistency(const PolicyDocuments& documents);

// "HH:MM" (already schema-checked) → minutes after midnight.
unsigned minutes_of(std::string_view hh_mm);

// Parses "YYYY-MM-DD" into days since 1970-01-01; nullopt for a date that does not exist.
std::optional<std::int64_t> parse_calendar_date(std::string_view text);

}  // namespace octopus::policy
