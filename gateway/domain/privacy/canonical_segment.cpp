#include "privacy/canonical_segment.hpp"

#include <algorithm>
#include <charconv>

namespace octopus::privacy {

using engine::SegmentNode;
using Kind = SegmentNode::Kind;

namespace {

// Quotes a name or value so that no text can mimic the structure around it.
void quoted(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

void number(std::string& out, double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

void write(std::string& out, const SegmentNode& n) {
  switch (n.kind) {
    case Kind::all:
    case Kind::any:
      out += n.kind == Kind::all ? "all(" : "any(";
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        if (i) out += ',';
        write(out, n.children[i]);
      }
      out += ')';
      return;
    case Kind::negate:
      out += "not(";
      write(out, n.children.at(0));
      out += ')';
      return;
    case Kind::eq:
    case Kind::in:
      out += "in(";
      quoted(out, n.attribute);
      for (const auto& v : n.values) {
        out += ',';
        quoted(out, v);
      }
      out += ')';
      return;
    case Kind::range:
      out += "range(";
      quoted(out, n.attribute);
      out += ',';
      number(out, n.min);
      out += ',';
      number(out, n.max);
      out += ')';
      return;
    case Kind::tag:
      out += "tag(";
      quoted(out, n.tag);
      out += ')';
      return;
  }
}

void canonical_children(SegmentNode& n) {
  std::vector<SegmentNode> flat;
  for (auto& child : n.children) {
    SegmentNode c = canonical_segment(child);
    if (c.kind == n.kind) {
      for (auto& grandchild : c.children) flat.push_back(std::move(grandchild));
    } else {
      flat.push_back(std::move(c));
    }
  }
  std::vector<std::pair<std::string, SegmentNode>> keyed;
  for (auto& c : flat) {
    std::string text;
    write(text, c);  // c is canonical already
    keyed.emplace_back(std::move(text), std::move(c));
  }
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  keyed.erase(std::unique(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
              keyed.end());
  n.children.clear();
  for (auto& [_, c] : keyed) n.children.push_back(std::move(c));
}

}  // namespace

SegmentNode canonical_segment(const SegmentNode& node) {
  SegmentNode n = node;
  switch (n.kind) {
    case Kind::all:
    case Kind::any: {
      canonical_children(n);
      if (n.children.size() == 1) return std::move(n.children.front());
      return n;
    }
    case Kind::negate: {
      SegmentNode inner = canonical_segment(n.children.at(0));
      if (inner.kind == Kind::negate) return std::move(inner.children.at(0));
      n.children = {std::move(inner)};
      return n;
    }
    case Kind::eq:
    case Kind::in:
      std::sort(n.values.begin(), n.values.end());
      n.values.erase(std::unique(n.values.begin(), n.values.end()), n.values.end());
      n.kind = n.values.size() == 1 ? Kind::eq : Kind::in;
      return n;
    case Kind::range:
    case Kind::tag: return n;
  }
  return n;
}

std::string canonical_text(const SegmentNode& node) {
  std::string out;
  write(out, canonical_segment(node));
  return out;
}

}  // namespace octopus::privacy
