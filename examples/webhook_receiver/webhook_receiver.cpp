// A partner's callback receiver, as small as one can be written: it listens on a loopback
// port (plain HTTP: the gateway allows that only with webhooks.development.allow_loopback),
// verifies each callback's Standard Webhooks signature with the SDK's WebhookVerifier,
// prints the verified event, answers 204, and exits after --count callbacks. (For HTTPS and
// concurrent connections, `octopus webhooks listen` does the same.)
//
//   octopus-webhook-receiver --listen 127.0.0.1:8600 --secret-file SECRET [--count N]
//
// SECRET holds the endpoint's "whsec_..." secret (a file, so it never shows in `ps`). A
// callback whose signature or timestamp does not verify is answered 400 and not counted.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include <octopus/sdk.hpp>

namespace {

struct Callback {
  std::string id, timestamp, signature, body;
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

constexpr std::size_t kMaxBody = 1024 * 1024;  // callbacks are small; refuse anything larger

// One request from `fd`: its webhook-* headers and body; nullopt if the peer closed early.
std::optional<Callback> read_request(int fd) {
  std::string data;
  char buffer[8192];
  std::size_t head_end = std::string::npos;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0 || data.size() > 65536) return std::nullopt;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  Callback c;
  std::size_t length = 0;
  for (std::size_t at = data.find("\r\n") + 2; at < head_end;) {
    const auto end = data.find("\r\n", at);
    const auto line = data.substr(at, end - at);
    at = end + 2;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto name = lower(line.substr(0, colon));
    const auto start = line.find_first_not_of(' ', colon + 1);
    const auto value = start == std::string::npos ? std::string() : line.substr(start);
    if (name == "webhook-id") c.id = value;
    if (name == "webhook-timestamp") c.timestamp = value;
    if (name == "webhook-signature") c.signature = value;
    if (name == "content-length") {
      // Anything but a plain number up to the limit is refused, never trusted.
      if (value.empty() || value.size() > 7 || value.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
      length = std::stoul(value);
      if (length > kMaxBody) return std::nullopt;
    }
  }
  c.body = data.substr(head_end + 4);
  while (c.body.size() < length) {
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return std::nullopt;
    c.body.append(buffer, static_cast<std::size_t>(n));
  }
  return c;
}

void answer(int fd, const char* status) {
  const std::string response = std::string("HTTP/1.1 ") + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  (void)::send(fd, response.data(), response.size(), MSG_NOSIGNAL);
}

int listen_on(const std::string& address) {
  const auto colon = address.rfind(':');
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(static_cast<unsigned short>(std::stoi(address.substr(colon + 1))));
  if (::inet_pton(AF_INET, address.substr(0, colon).c_str(), &at.sin_addr) != 1) return -1;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0 || ::listen(fd, 16) != 0) return -1;
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:8600", secret_file;
  long count = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--listen")
      listen = argv[i + 1];
    else if (flag == "--secret-file")
      secret_file = argv[i + 1];
    else if (flag == "--count")
      count = std::stol(argv[i + 1]);
  }
  std::string text;
  std::ifstream(secret_file) >> text;
  std::optional<octopus::WebhookVerifier> verifier;
  try {
    verifier.emplace(std::vector<std::string>{text});
  } catch (const std::invalid_argument&) {
    std::cerr << "usage: octopus-webhook-receiver --listen HOST:PORT --secret-file FILE [--count N]\n"
                 "  FILE must hold the endpoint's whsec_ secret\n";
    return 2;
  }
  const int server = listen_on(listen);
  if (server < 0) {
    std::perror(("cannot listen on " + listen).c_str());
    return 1;
  }
  for (long verified = 0; verified < count;) {
    const int fd = ::accept(server, nullptr, nullptr);
    if (fd < 0) continue;
    const auto callback = read_request(fd);
    if (callback && verifier->is_valid({callback->id, callback->timestamp, callback->signature}, callback->body)) {
      answer(fd, "204 No Content");
      std::cout << "verified callback " << callback->id << ": " << callback->body << std::endl;
      ++verified;
    } else {
      answer(fd, "400 Bad Request");
      std::cout << "refused a callback that did not verify" << std::endl;
    }
    ::close(fd);
  }
  ::close(server);
  return 0;
}
