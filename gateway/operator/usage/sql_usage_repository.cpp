#include "usage/sql_usage_repository.hpp"

namespace octopus::usage {

using store::sql::Statement;
using store::sql::Transaction;

void SqlUsageRepository::add_hourly(const std::vector<UsageCount>& counts) {
  auto session = db_.session();
  Transaction tx(session);
  Statement st(session,
               "INSERT INTO usage_hourly(hour_start, partner, class, outcome, requests) "
               "VALUES (:start, :partner, :class, :outcome, :requests) "
               "ON CONFLICT(partner, hour_start, class, outcome) DO UPDATE SET requests = usage_hourly.requests + "
               "excluded.requests");
  for (const auto& c : counts) {
    st.reset();
    st.bind(":start", c.start).bind(":partner", c.partner).bind(":class", c.capability_class);
    st.bind(":outcome", c.outcome).bind(":requests", c.requests);
    st.step();
  }
  tx.commit();
}

std::vector<UsageCount> SqlUsageRepository::history(const std::string& partner, std::int64_t from, std::int64_t to,
                                                    Granularity granularity) {
  auto session = db_.session();
  const bool days = granularity == Granularity::day;
  // Days: the hours not yet rolled up and the rolled-up days, summed per day.
  Statement st(session, days ? "SELECT start / 86400 * 86400 AS day, class, outcome, SUM(requests) FROM ("
                               " SELECT hour_start AS start, class, outcome, requests FROM usage_hourly"
                               "  WHERE partner = :partner AND hour_start >= :from AND hour_start < :to"
                               " UNION ALL SELECT day_start, class, outcome, requests FROM usage_daily"
                               "  WHERE partner = :partner AND day_start >= :from AND day_start < :to) AS counted"
                               " GROUP BY day, class, outcome ORDER BY day, class, outcome"
                             : "SELECT hour_start, class, outcome, requests FROM usage_hourly"
                               " WHERE partner = :partner AND hour_start >= :from AND hour_start < :to"
                               " ORDER BY hour_start, class, outcome");
  st.bind(":partner", partner).bind(":from", from).bind(":to", to);
  std::vector<UsageCount> out;
  while (st.step()) out.push_back({st.int64(0), partner, st.text(1), st.text(2), st.int64(3)});
  return out;
}

void SqlUsageRepository::compact(std::int64_t hourly_before, std::int64_t kept_after) {
  auto session = db_.session();
  Transaction tx(session);
  Statement roll(session,
                 "INSERT INTO usage_daily(day_start, partner, class, outcome, requests) "
                 "SELECT hour_start / 86400 * 86400, partner, class, outcome, SUM(requests) FROM usage_hourly "
                 "WHERE hour_start < :before GROUP BY 1, 2, 3, 4 "
                 "ON CONFLICT(partner, day_start, class, outcome) DO UPDATE SET requests = usage_daily.requests + "
                 "excluded.requests");
  roll.bind(":before", hourly_before);
  roll.step();
  Statement drop_hours(session, "DELETE FROM usage_hourly WHERE hour_start < :before");
  drop_hours.bind(":before", hourly_before);
  drop_hours.step();
  Statement drop_days(session, "DELETE FROM usage_daily WHERE day_start < :after");
  drop_days.bind(":after", kept_after);
  drop_days.step();
  tx.commit();
}

}  // namespace octopus::usage
