#include "recording_server.hpp"

#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "http/self_signed.hpp"

namespace octopus::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

std::string RecordedRequest::header(const std::string& name) const {
  for (const auto& [key, value] : headers)
    if (beast::iequals(key, name)) return value;
  return {};
}

namespace {

using Stream = beast::ssl_stream<beast::tcp_stream>;

struct Shared {
  std::mutex mutex;
  std::vector<RecordedRequest> requests;
  RecordingServer::Responder responder = [](const RecordedRequest&) { return ScriptedAnswer{}; };
  std::set<std::shared_ptr<Stream>> open;
  std::size_t accepted = 0;
};

// One kept-alive connection: handshake, then request after request until either side closes.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ssl::context& tls, Shared& shared, std::size_t number)
      : stream_(std::make_shared<Stream>(std::move(socket), tls)), shared_(shared), number_(number) {}

  void start() {
    {
      std::lock_guard lock(shared_.mutex);
      shared_.open.insert(stream_);
    }
    stream_->async_handshake(ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->finish();
      self->read();
    });
  }

 private:
  void read() {
    request_ = {};
    bhttp::async_read(*stream_, buffer_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->finish();
      self->respond();
    });
  }

  RecordedRequest recorded() const {
    RecordedRequest r{
        std::string(request_.method_string()), std::string(request_.target()), {}, request_.body(), number_,
        std::chrono::steady_clock::now()};
    for (const auto& f : request_) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    return r;
  }

  void respond() {
    ScriptedAnswer answer;
    {
      std::lock_guard lock(shared_.mutex);
      shared_.requests.push_back(recorded());
      answer = shared_.responder(shared_.requests.back());
    }
    if (answer.drop) return finish();
    response_ = {static_cast<bhttp::status>(answer.status), 11};
    for (const auto& [name, value] : answer.headers) response_.set(name, value);
    response_.keep_alive(request_.keep_alive() && !answer.close_after);
    response_.body() = answer.body;
    response_.prepare_payload();
    bhttp::async_write(*stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec || !self->response_.keep_alive()) return self->finish();
      self->read();
    });
  }

  void finish() {
    beast::error_code ignored;
    beast::get_lowest_layer(*stream_).socket().close(ignored);
    std::lock_guard lock(shared_.mutex);
    shared_.open.erase(stream_);
  }

  std::shared_ptr<Stream> stream_;
  Shared& shared_;
  std::size_t number_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> request_;
  bhttp::response<bhttp::string_body> response_;
};

}  // namespace

struct RecordingServer::Impl {
  net::io_context ioc;
  ssl::context tls{ssl::context::tls_server};
  std::optional<tcp::acceptor> acceptor;
  unsigned short port = 0;
  std::string ca;
  Shared shared;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::thread thread;

  void listen() {
    acceptor.emplace(ioc);
    const tcp::endpoint at(net::ip::make_address("127.0.0.1"), port);
    acceptor->open(at.protocol());
    acceptor->set_option(tcp::acceptor::reuse_address(true));
    acceptor->bind(at);
    acceptor->listen();
    port = acceptor->local_endpoint().port();
    accept();
  }

  void accept() {
    acceptor->async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed: the server went down
      std::size_t number = 0;
      {
        std::lock_guard lock(shared.mutex);
        number = ++shared.accepted;
      }
      std::make_shared<Session>(std::move(socket), tls, shared, number)->start();
      accept();
    });
  }

  void close_open() {
    beast::error_code ignored;
    std::lock_guard lock(shared.mutex);
    for (const auto& stream : shared.open) beast::get_lowest_layer(*stream).socket().close(ignored);
  }

  // Runs `f` on the io thread and waits for it.
  template <class F>
  void on_io_thread(F f) {
    std::promise<void> done;
    net::post(ioc, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }
};

RecordingServer::RecordingServer(const std::string& directory) : impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  const auto files = http::ensure_self_signed_tls(directory);
  d.ca = files.ca_certificate;
  d.tls.use_certificate_chain_file(files.certificate_chain);
  d.tls.use_private_key_file(files.private_key, ssl::context::pem);
  d.listen();
  d.work.emplace(d.ioc.get_executor());
  d.thread = std::thread([&d] { d.ioc.run(); });
}

RecordingServer::~RecordingServer() {
  go_down();
  impl_->work.reset();
  impl_->ioc.stop();
  impl_->thread.join();
}

std::string RecordingServer::url(const std::string& path) const {
  return "https://localhost:" + std::to_string(impl_->port) + path;
}
std::string RecordingServer::ca_file() const { return impl_->ca; }
unsigned short RecordingServer::port() const { return impl_->port; }

void RecordingServer::respond_with(Responder responder) {
  std::lock_guard lock(impl_->shared.mutex);
  impl_->shared.responder = std::move(responder);
}

void RecordingServer::close_connections() {
  impl_->on_io_thread([this] { impl_->close_open(); });
}

void RecordingServer::go_down() {
  impl_->on_io_thread([this] {
    beast::error_code ignored;
    if (impl_->acceptor) impl_->acceptor->close(ignored);
    impl_->close_open();
  });
}

void RecordingServer::come_up() {
  impl_->on_io_thread([this] { impl_->listen(); });
}

std::vector<RecordedRequest> RecordingServer::requests() const {
  std::lock_guard lock(impl_->shared.mutex);
  return impl_->shared.requests;
}

std::size_t RecordingServer::count() const {
  std::lock_guard lock(impl_->shared.mutex);
  return impl_->shared.requests.size();
}

std::size_t RecordingServer::connections_accepted() const {
  std::lock_guard lock(impl_->shared.mutex);
  return impl_->shared.accepted;
}

}  // namespace octopus::testing
