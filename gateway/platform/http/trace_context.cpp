#include "http/trace_context.hpp"

#include <cstdint>
#include <random>

namespace octopus::http {

namespace {
bool lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}
bool all_zero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }
}  // namespace

bool parse_traceparent(std::string_view v, TraceParent& out) {
  if (v.size() < 55) return false;
  const auto version = v.substr(0, 2);
  if (!lower_hex(version) || version == "ff") return false;
  if (version == "00" && v.size() != 55) return false;
  if (v[2] != '-' || v[35] != '-' || v[52] != '-') return false;
  if (v.size() > 55 && v[55] != '-') return false;
  const auto trace = v.substr(3, 32), parent = v.substr(36, 16), flags = v.substr(53, 2);
  if (!lower_hex(trace) || !lower_hex(parent) || !lower_hex(flags)) return false;
  if (all_zero(trace) || all_zero(parent)) return false;
  out.trace_id = std::string(trace);
  out.parent_id = std::string(parent);
  out.flags = static_cast<unsigned>(std::stoul(std::string(flags), nullptr, 16));
  return true;
}

bool valid_correlator(std::string_view v) {
  if (v.size() > 256) return false;
  for (char c : v) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("-_:;./<>{}").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    std::uint64_t r = rng();
    for (int i = 0; i < 16; ++i) {
      id[half * 16 + i] = hex[r & 0xF];
      r >>= 4;
    }
  }
  return id;
}

}  // namespace octopus::http
