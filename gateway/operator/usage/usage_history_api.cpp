#include "usage/usage_history_api.hpp"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "admin/admin_formats.hpp"
#include "http/formats.hpp"
#include "http/problem.hpp"
#include "http/query.hpp"
#include "http/step.hpp"

namespace octopus::usage {

using nlohmann::json;

namespace {

constexpr std::size_t kTopRejections = 10;

struct HistoryQuery {
  std::int64_t from = 0, to = 0;
  Granularity granularity = Granularity::hour;
  bool csv = false;
};

// The query, with its defaults (the last 24 hours, or 30 days by the day) and bounds (31
// days of hours, 396 of days); a malformed or impossible one is a 400 naming the parameter.
http::Step<HistoryQuery> parse_query(http::RequestContext& ctx, std::int64_t now) {
  const auto bad = [&](const std::string& detail) {
    return http::make_problem(ctx, http::problems::malformed_request, detail);
  };
  const auto params = http::parse_query(ctx.request.query());
  if (!params) return bad("The query string is not valid.");
  const auto get = [&](const char* name) {
    const auto it = params->find(name);
    return it == params->end() ? std::string() : it->second;
  };
  HistoryQuery q;
  const auto granularity = get("granularity"), format = get("format");
  if (!granularity.empty() && granularity != "hour" && granularity != "day")
    return bad("granularity must be hour or day.");
  if (!format.empty() && format != "json" && format != "csv") return bad("format must be json or csv.");
  q.granularity = granularity == "day" ? Granularity::day : Granularity::hour;
  q.csv = format == "csv";
  const auto unit = q.granularity == Granularity::day ? kDay : kHour;
  const auto time = [&](const char* name, std::int64_t fallback) -> std::optional<std::int64_t> {
    const auto text = get(name);
    if (text.empty()) return fallback;
    return http::parse_rfc3339(text);
  };
  const auto to = time("to", now);
  if (!to) return bad("to must be an RFC 3339 date-time.");
  const auto from = time("from", *to - (q.granularity == Granularity::day ? kHourlyKeptDays * kDay : kDay));
  if (!from) return bad("from must be an RFC 3339 date-time.");
  q.from = *from / unit * unit;  // whole buckets
  q.to = *to;
  const auto longest = q.granularity == Granularity::day ? kKeptDays * kDay : 31 * kDay;
  if (q.from >= q.to) return bad("from must be before to.");
  if (q.to - q.from > longest)
    return bad(std::string("At most ") + (q.granularity == Granularity::day ? "396 days" : "31 days") +
               " per request at this granularity.");
  return q;
}

http::Response render_csv(const std::vector<UsageCount>& rows) {
  std::string body = "start,class,outcome,requests\r\n";
  for (const auto& r : rows)  // every field is a timestamp, a fixed name, a slug or a number: nothing to quote
    body += admin::rfc3339(r.start) + "," + r.capability_class + "," + r.outcome + "," + std::to_string(r.requests) +
            "\r\n";
  http::Response out;
  out.set_header("Content-Type", "text/csv; charset=utf-8");
  out.body = std::move(body);
  return out;
}

json render_json(const std::string& partner, const HistoryQuery& q, const std::vector<UsageCount>& rows) {
  json items = json::array();
  std::int64_t total = 0, refused = 0;
  std::map<std::string, std::int64_t> reasons;
  for (const auto& r : rows) {
    items.push_back({{"start", admin::rfc3339(r.start)},
                     {"class", r.capability_class},
                     {"outcome", r.outcome},
                     {"requests", r.requests}});
    total += r.requests;
    if (r.outcome != "ok" && r.outcome != "idempotent-replay") {
      refused += r.requests;
      reasons[r.outcome] += r.requests;
    }
  }
  std::vector<std::pair<std::string, std::int64_t>> top(reasons.begin(), reasons.end());
  std::stable_sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (top.size() > kTopRejections) top.resize(kTopRejections);
  json rejections = json::array();
  for (const auto& [outcome, n] : top) rejections.push_back({{"outcome", outcome}, {"requests", n}});
  return {{"partner_id", partner},
          {"granularity", q.granularity == Granularity::day ? "day" : "hour"},
          {"from", admin::rfc3339(q.from)},
          {"to", admin::rfc3339(q.to)},
          {"items", items},
          {"totals", {{"requests", total}, {"refused", refused}}},
          {"top_rejections", rejections}};
}

}  // namespace

void register_usage_history_route(http::Pipeline& admin_plane, UsageHistoryApiDeps d) {
  admin_plane.add_route({.method = "GET",
                         .pattern = "/admin/v1/partners/{id}/usage/history",
                         .handler =
                             [d](http::RequestContext& ctx) {
                               const auto& id = ctx.path_params.at("id");
                               auto q = parse_query(ctx, d.clock.unix_seconds());
                               if (!q) return q.answer();
                               if (!d.partners.get_partner(id))
                                 return http::make_problem(ctx, http::problems::not_found, "No partner has this id.");
                               const auto rows = d.recorder.history(id, q->from, q->to, q->granularity);
                               return q->csv ? render_csv(rows) : http::make_json(200, render_json(id, *q, rows));
                             },
                         .blocking = true,
                         .roles = {vocabulary::Role::admin, vocabulary::Role::operator_, vocabulary::Role::viewer}});
}

}  // namespace octopus::usage
