#include "engine/remote/engine_wire.hpp"

#include <cmath>
#include <limits>

namespace octopus::engine::wire {

using nlohmann::json;

namespace {

const json& field(const json& j, const char* name, const char* where) {
  if (!j.is_object()) throw WireError(std::string(where) + " is not an object");
  auto it = j.find(name);
  if (it == j.end()) throw WireError(std::string(where) + "." + name + " is missing");
  return *it;
}

std::string text(const json& j, const char* name, const char* where) {
  const auto& v = field(j, name, where);
  if (!v.is_string()) throw WireError(std::string(where) + "." + name + " is not a string");
  return v.get<std::string>();
}

std::uint64_t unsigned_number(const json& j, const char* name, const char* where) {
  const auto& v = field(j, name, where);
  if (!v.is_number_unsigned()) throw WireError(std::string(where) + "." + name + " is not an unsigned integer");
  return v.get<std::uint64_t>();
}

double number(const json& v, const std::string& where) {
  if (!v.is_number()) throw WireError(where + " is not a number");
  return v.get<double>();
}

std::vector<std::string> strings(const json& v, const std::string& where) {
  if (!v.is_array()) throw WireError(where + " is not an array");
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const auto& s : v) {
    if (!s.is_string()) throw WireError(where + " holds a non-string");
    out.push_back(s.get<std::string>());
  }
  return out;
}

}  // namespace

json to_json(const SegmentNode& node) {
  using K = SegmentNode::Kind;
  switch (node.kind) {
    case K::all:
    case K::any: {
      json children = json::array();
      for (const auto& c : node.children) children.push_back(to_json(c));
      return {{node.kind == K::all ? "all" : "any", std::move(children)}};
    }
    case K::negate:
      if (node.children.size() != 1) throw WireError("a not node needs exactly one child");
      return {{"not", to_json(node.children.front())}};
    case K::eq:
      if (node.values.size() != 1) throw WireError("an eq node needs exactly one value");
      return {{"attribute", node.attribute}, {"eq", node.values.front()}};
    case K::in: return {{"attribute", node.attribute}, {"in", node.values}};
    case K::range:
      // JSON has no infinity: an open end of a range travels as null.
      return {{"attribute", node.attribute},
              {"range",
               {{"min", std::isinf(node.min) ? json(nullptr) : json(node.min)},
                {"max", std::isinf(node.max) ? json(nullptr) : json(node.max)}}}};
    case K::tag: return {{"tag", node.tag}};
  }
  throw WireError("unknown segment node kind");
}

SegmentNode segment_from_json(const json& j) {
  if (!j.is_object()) throw WireError("a segment node is not an object");
  SegmentNode n;
  using K = SegmentNode::Kind;
  if (j.contains("all") || j.contains("any")) {
    const bool all = j.contains("all");
    const auto& list = j.at(all ? "all" : "any");
    if (!list.is_array() || list.empty()) throw WireError("all/any needs a non-empty array");
    n.kind = all ? K::all : K::any;
    for (const auto& c : list) n.children.push_back(segment_from_json(c));
  } else if (j.contains("not")) {
    n.kind = K::negate;
    n.children.push_back(segment_from_json(j.at("not")));
  } else if (j.contains("tag")) {
    n.kind = K::tag;
    n.tag = text(j, "tag", "segment");
  } else if (j.contains("attribute")) {
    n.attribute = text(j, "attribute", "segment");
    if (j.contains("eq")) {
      n.kind = K::eq;
      n.values = {text(j, "eq", "segment")};
    } else if (j.contains("in")) {
      n.kind = K::in;
      n.values = strings(j.at("in"), "segment.in");
      if (n.values.empty()) throw WireError("segment.in is empty");
    } else if (j.contains("range")) {
      n.kind = K::range;
      const auto& r = j.at("range");
      const auto& min = field(r, "min", "segment.range");
      const auto& max = field(r, "max", "segment.range");
      n.min = min.is_null() ? -std::numeric_limits<double>::infinity() : number(min, "segment.range.min");
      n.max = max.is_null() ? std::numeric_limits<double>::infinity() : number(max, "segment.range.max");
    } else {
      throw WireError("an attribute node needs eq, in or range");
    }
  } else {
    throw WireError("a segment node needs all, any, not, attribute or tag");
  }
  return n;
}

json to_json(const CountQuery& q) {
  return {{"segment", to_json(q.segment)},
          {"consent",
           {{"purpose", q.consent.purpose},
            {"partner_category", q.consent.partner_category},
            {"channels", q.consent.channels}}}};
}

CountQuery count_query_from_json(const json& j) {
  CountQuery q;
  q.segment = segment_from_json(field(j, "segment", "query"));
  const auto& c = field(j, "consent", "query");
  q.consent.purpose = text(c, "purpose", "query.consent");
  q.consent.partner_category = text(c, "partner_category", "query.consent");
  q.consent.channels = strings(field(c, "channels", "query.consent"), "query.consent.channels");
  return q;
}

json to_json(const Vocabulary& v) {
  json attributes = json::array();
  for (const auto& a : v.attributes) {
    json item = {{"name", a.name}, {"description", a.description}, {"values", a.values}, {"ordered", a.ordered}};
    if (a.ordered) {
      item["lower_bounds"] = a.lower_bounds;
      // JSON has no infinity: the open upper end of the last band is null.
      json upper = json::array();
      for (double u : a.upper_bounds) upper.push_back(std::isinf(u) ? json(nullptr) : json(u));
      item["upper_bounds"] = std::move(upper);
    }
    attributes.push_back(std::move(item));
  }
  return {{"attributes", std::move(attributes)}, {"tags", v.tags}};
}

Vocabulary vocabulary_from_json(const json& j) {
  Vocabulary v;
  const auto& attributes = field(j, "attributes", "vocabulary");
  if (!attributes.is_array()) throw WireError("vocabulary.attributes is not an array");
  for (const auto& a : attributes) {
    AttributeInfo info;
    info.name = text(a, "name", "attribute");
    info.description = a.contains("description") ? text(a, "description", "attribute") : "";
    info.values = strings(field(a, "values", "attribute"), "attribute.values");
    const auto& ordered = field(a, "ordered", "attribute");
    if (!ordered.is_boolean()) throw WireError("attribute.ordered is not a boolean");
    info.ordered = ordered.get<bool>();
    if (info.ordered) {
      for (const auto& b : field(a, "lower_bounds", "attribute"))
        info.lower_bounds.push_back(number(b, "lower_bounds"));
      for (const auto& b : field(a, "upper_bounds", "attribute"))
        info.upper_bounds.push_back(b.is_null() ? std::numeric_limits<double>::infinity() : number(b, "upper_bounds"));
      if (info.lower_bounds.size() != info.values.size() || info.upper_bounds.size() != info.values.size())
        throw WireError("attribute " + info.name + ": one lower and one upper bound per value");
    }
    v.attributes.push_back(std::move(info));
  }
  v.tags = strings(field(j, "tags", "vocabulary"), "vocabulary.tags");
  return v;
}

json to_json(const AudienceHandle& h) { return {{"id", h.id}, {"size", h.size}}; }

AudienceHandle audience_handle_from_json(const json& j) {
  return {text(j, "id", "audience"), unsigned_number(j, "size", "audience")};
}

json to_json(const MemberBatch& b) {
  return {{"subscribers", b.subscribers}, {"next", b.next ? json(*b.next) : json(nullptr)}};
}

MemberBatch member_batch_from_json(const json& j) {
  MemberBatch b;
  const auto& subscribers = field(j, "subscribers", "members");
  if (!subscribers.is_array()) throw WireError("members.subscribers is not an array");
  b.subscribers.reserve(subscribers.size());
  for (const auto& s : subscribers) {
    if (!s.is_number_unsigned()) throw WireError("members.subscribers holds a non-id");
    b.subscribers.push_back(s.get<std::uint64_t>());
  }
  const auto& next = field(j, "next", "members");
  if (!next.is_null()) b.next = unsigned_number(j, "next", "members");
  return b;
}

json to_json(const EligibilityQuery& q) { return {{"subscriber", q.subscriber}, {"product_code", q.product_code}}; }

EligibilityQuery eligibility_query_from_json(const json& j) {
  return {unsigned_number(j, "subscriber", "eligibility"), text(j, "product_code", "eligibility")};
}

json to_json(const FactsQuery& q) {
  return {{"subscribers", q.subscribers},
          {"purpose", q.purpose},
          {"partner_category", q.partner_category},
          {"channel", q.channel},
          {"product_code", q.product_code}};
}

namespace {
std::vector<std::uint64_t> subscriber_list(const json& j, const char* where) {
  const auto& subscribers = field(j, "subscribers", where);
  if (!subscribers.is_array()) throw WireError(std::string(where) + ".subscribers is not an array");
  std::vector<std::uint64_t> out;
  out.reserve(subscribers.size());
  for (const auto& s : subscribers) {
    if (!s.is_number_unsigned())
      throw WireError(std::string(where) + ".subscribers holds a value that is not an unsigned integer");
    out.push_back(s.get<std::uint64_t>());
  }
  return out;
}
}  // namespace

FactsQuery facts_query_from_json(const json& j) {
  FactsQuery q;
  q.subscribers = subscriber_list(j, "facts");
  q.purpose = text(j, "purpose", "facts");
  q.partner_category = text(j, "partner_category", "facts");
  q.channel = text(j, "channel", "facts");
  if (j.contains("product_code")) q.product_code = text(j, "product_code", "facts");
  return q;
}

json to_json(const std::vector<SubscriberFacts>& facts) {
  json list = json::array();
  for (const auto& f : facts)
    list.push_back(
        {{"known", f.known}, {"active", f.active}, {"consent", to_string(f.consent)}, {"eligible", f.eligible}});
  return {{"facts", std::move(list)}};
}

std::vector<SubscriberFacts> facts_from_json(const json& j) {
  const auto& list = field(j, "facts", "facts");
  if (!list.is_array()) throw WireError("facts.facts is not an array");
  std::vector<SubscriberFacts> out;
  out.reserve(list.size());
  auto flag = [](const json& f, const char* name) {
    const auto& v = field(f, name, "facts.facts[]");
    if (!v.is_boolean()) throw WireError(std::string("facts.facts[].") + name + " is not a boolean");
    return v.get<bool>();
  };
  for (const auto& f : list) {
    SubscriberFacts s;
    s.known = flag(f, "known");
    s.active = flag(f, "active");
    s.eligible = flag(f, "eligible");
    const auto state = parse_consent_state(text(f, "consent", "facts.facts[]"));
    if (!state) throw WireError("facts.facts[].consent is not granted, withdrawn or none");
    s.consent = *state;
    out.push_back(s);
  }
  return out;
}

json to_json(const MembershipQuery& q) { return {{"subscribers", q.subscribers}, {"audiences", q.audiences}}; }

MembershipQuery membership_query_from_json(const json& j) {
  MembershipQuery q;
  q.subscribers = subscriber_list(j, "memberships");
  q.audiences = strings(field(j, "audiences", "memberships"), "memberships.audiences");
  return q;
}

json to_json(const Memberships& m) {
  json members = json::array();
  for (std::size_t s = 0; s < m.subscribers(); ++s) {
    json of = json::array();
    m.for_each(s, [&](std::size_t a) { of.push_back(a); });
    members.push_back(std::move(of));
  }
  return {{"members", std::move(members)}};
}

Memberships memberships_from_json(const json& j, std::size_t subscribers, std::size_t audiences) {
  const auto& members = field(j, "members", "memberships");
  if (!members.is_array()) throw WireError("memberships.members is not an array");
  if (members.size() != subscribers)
    throw WireError("memberships.members has " + std::to_string(members.size()) + " entries for " +
                    std::to_string(subscribers) + " subscribers asked");
  Memberships out(subscribers, audiences);
  for (std::size_t s = 0; s < subscribers; ++s) {
    if (!members[s].is_array()) throw WireError("memberships.members[] is not an array");
    for (const auto& a : members[s]) {
      if (!a.is_number_unsigned() || a.get<std::uint64_t>() >= audiences)
        throw WireError("memberships.members[] holds a value that is not the index of an audience asked");
      out.add(s, a.get<std::size_t>());
    }
  }
  return out;
}

json to_json(const std::vector<ConsentRecord>& consents) {
  json list = json::array();
  for (const auto& c : consents)
    list.push_back({{"purpose", c.purpose},
                    {"channel", c.channel},
                    {"partner_category", c.partner_category},
                    {"state", to_string(c.state)}});
  return {{"consents", std::move(list)}};
}

std::vector<ConsentRecord> consents_from_json(const json& j) {
  const auto& list = field(j, "consents", "consents");
  if (!list.is_array()) throw WireError("consents.consents is not an array");
  std::vector<ConsentRecord> out;
  for (const auto& c : list) {
    const auto state = parse_consent_state(text(c, "state", "consents[]"));
    if (!state) throw WireError("consents[].state is not granted, withdrawn or none");
    out.push_back({text(c, "purpose", "consents[]"), text(c, "channel", "consents[]"),
                   text(c, "partner_category", "consents[]"), *state});
  }
  return out;
}

json to_json(const Eligibility& e) { return {{"eligible", e.eligible}, {"reason", e.reason}}; }

Eligibility eligibility_from_json(const json& j) {
  const auto& eligible = field(j, "eligible", "eligibility");
  if (!eligible.is_boolean()) throw WireError("eligibility.eligible is not a boolean");
  return {eligible.get<bool>(), j.contains("reason") ? text(j, "reason", "eligibility") : ""};
}

json to_json(const std::vector<Product>& products) {
  json list = json::array();
  for (const auto& p : products)
    list.push_back({{"code", p.code}, {"name", p.name}, {"eligibility_summary", p.eligibility_summary}});
  return {{"products", std::move(list)}};
}

std::vector<Product> products_from_json(const json& j) {
  std::vector<Product> out;
  const auto& list = field(j, "products", "products");
  if (!list.is_array()) throw WireError("products.products is not an array");
  for (const auto& p : list)
    out.push_back({text(p, "code", "product"), text(p, "name", "product"), text(p, "eligibility_summary", "product")});
  return out;
}

namespace {

std::uint64_t optional_unsigned(const json& j, const char* name, const char* where) {
  return j.contains(name) ? unsigned_number(j, name, where) : 0;
}

std::int64_t optional_integer(const json& j, const char* name, const char* where) {
  if (!j.contains(name)) return 0;
  const auto& v = j.at(name);
  if (!v.is_number_integer()) throw WireError(std::string(where) + "." + name + " is not an integer");
  return v.get<std::int64_t>();
}

template <typename Record, typename Read>
StreamBatch<Record> batch_from_json(const json& j, Read read) {
  StreamBatch<Record> b;
  const auto& records = field(j, "records", "batch");
  if (!records.is_array()) throw WireError("batch.records is not an array");
  for (const auto& r : records) b.records.push_back(read(r));
  b.next = unsigned_number(j, "next", "batch");
  b.skipped = unsigned_number(j, "skipped", "batch");
  return b;
}

template <typename Record>
json batch_to_json(const StreamBatch<Record>& b) {
  json records = json::array();
  for (const auto& r : b.records) records.push_back(to_json(r));
  return {{"records", std::move(records)}, {"next", b.next}, {"skipped", b.skipped}};
}

}  // namespace

json to_json(const SubscriberEvent& e) {
  return {{"sequence", e.sequence},
          {"subscriber", e.subscriber},
          {"type", e.type},
          {"at_ms", e.at_ms},
          {"detail", e.detail}};
}

SubscriberEvent event_from_json(const json& j) {
  SubscriberEvent e;
  e.sequence = optional_unsigned(j, "sequence", "event");
  e.subscriber = unsigned_number(j, "subscriber", "event");
  e.type = text(j, "type", "event");
  e.at_ms = optional_integer(j, "at_ms", "event");
  if (j.contains("detail")) {
    const auto& detail = j.at("detail");
    if (!detail.is_object()) throw WireError("event.detail is not an object");
    for (const auto& [key, value] : detail.items()) {
      if (!value.is_string()) throw WireError("event.detail." + key + " is not a string");
      e.detail[key] = value.get<std::string>();
    }
  }
  return e;
}

json to_json(const Conversion& c) {
  return {{"sequence", c.sequence},
          {"subscriber", c.subscriber},
          {"product_code", c.product_code},
          {"order_id", c.order_id},
          {"amount_fen", c.amount_fen},
          {"at_ms", c.at_ms},
          {"kind", std::string(to_string(c.kind))}};
}

Conversion conversion_from_json(const json& j) {
  Conversion c;
  c.sequence = optional_unsigned(j, "sequence", "conversion");
  c.subscriber = unsigned_number(j, "subscriber", "conversion");
  c.product_code = text(j, "product_code", "conversion");
  c.order_id = text(j, "order_id", "conversion");
  c.amount_fen = optional_integer(j, "amount_fen", "conversion");
  if (!j.contains("amount_fen")) throw WireError("conversion.amount_fen is missing");
  c.at_ms = optional_integer(j, "at_ms", "conversion");
  if (const auto kind = j.find("kind"); kind != j.end()) {  // absent: an order, as before cancellations
    const auto parsed = kind->is_string() ? parse_conversion_kind(kind->get<std::string>()) : std::nullopt;
    if (!parsed) throw WireError("conversion.kind must be order or cancellation");
    c.kind = *parsed;
  }
  return c;
}

json to_json(const EventBatch& b) { return batch_to_json(b); }
EventBatch event_batch_from_json(const json& j) { return batch_from_json<SubscriberEvent>(j, event_from_json); }
json to_json(const ConversionBatch& b) { return batch_to_json(b); }
ConversionBatch conversion_batch_from_json(const json& j) {
  return batch_from_json<Conversion>(j, conversion_from_json);
}

}  // namespace octopus::engine::wire
