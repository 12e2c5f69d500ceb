// An HTTP/1.1 request head from the network, as the server reads it: Beast's parser with the
// gateway's limits, then the framing check. Never a crash; a head the check passes has
// exactly one Host (HTTP/1.1) and no Transfer-Encoding but a single final chunked.
#include <cstddef>
#include <cstdint>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>

#include "fuzz_check.hpp"
#include "http/framing.hpp"

namespace bhttp = boost::beast::http;
using octopus::http::RequestHead;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(false);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!parser.is_header_done()) return 0;
  const auto& header = parser.get();
  RequestHead head;
  head.version = header.version();
  std::size_t chunked = 0;
  for (const auto& field : header) {
    if (field.name() == bhttp::field::host) {
      ++head.host_fields;
      head.host = {field.value().data(), field.value().size()};
    }
    if (field.name() == bhttp::field::content_length) ++head.content_length_fields;
    if (field.name() == bhttp::field::transfer_encoding) {
      head.transfer_encodings.emplace_back(field.value().data(), field.value().size());
      ++chunked;
    }
  }
  const auto problem = octopus::http::check_framing(head);
  if (!problem) {
    FUZZ_CHECK(head.version < 11 || head.host_fields == 1);
    FUZZ_CHECK(chunked == 0 || head.content_length_fields == 0);
  } else {
    FUZZ_CHECK(problem->type.status == 400 || problem->type.status == 501);
    FUZZ_CHECK(problem->detail.size() < 300);
  }
  return 0;
}
