// Session design follows the shape of Beast's server examples: one session object per
// connection, kept alive by the handler in flight, every handler on the connection's
// strand, a deadline set before each handshake, read, write and shutdown. Requests on a
// connection are served strictly one at a time: pipelined requests wait in the bounded
// read buffer (and TCP), so a client cannot queue unbounded work.
#include "http/server.hpp"

#include <atomic>
#include <condition_variable>
#include <future>
#include <list>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "http/connection_limiter.hpp"
#include "http/framing.hpp"
#include "http/problem.hpp"
#include "http/trace_context.hpp"
#include "observability/access_log.hpp"
#include "observability/log.hpp"
#include "observability/metrics.hpp"
#include "observability/request_metrics.hpp"

namespace octopus::http {

namespace {
const observability::MetricFamily kOpen{"octopus_connections_open", observability::MetricType::gauge,
                                        "Client connections open now, on both planes."};
const observability::MetricFamily kRefused{
    "octopus_connections_refused_total", observability::MetricType::counter,
    "Connections closed at accept because a per-address or per-listener cap was reached, by plane and cap."};

std::string refused_series(std::string_view plane, bool per_address) {
  return "octopus_connections_refused_total{plane=\"" + std::string(plane) + "\",reason=\"" +
         (per_address ? "address_limit" : "listener_limit") + "\"}";
}
}  // namespace

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

class Session;

// State shared by the sessions of one listener.
struct ListenerState {
  ssl::context tls;
  ServerLimits limits;
  const Pipeline* pipeline;
  ConnectionLimiter connections;
  ListenerState(SSL_CTX* native, const ServerLimits& l)
      : tls(native), limits(l), connections(l.max_connections, l.max_connections_per_address) {}
};

// Errors that are part of normal life for a public server and not worth a log line.
bool harmless(const beast::error_code& ec) {
  return ec == net::error::operation_aborted || ec == beast::error::timeout || ec == net::error::eof ||
         ec == net::ssl::error::stream_truncated || ec == bhttp::error::end_of_stream ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe;
}

}  // namespace

struct Server::Impl {
  Options options;
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  // Registered at construction so a signal that arrives during start-up is queued, not
  // fatal (the default SIGTERM action would kill the process without draining).
  net::signal_set signals{ioc, SIGINT, SIGTERM, SIGHUP};
  std::unique_ptr<net::thread_pool> workers;
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<ListenerState>> listeners;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::atomic<bool> draining{false};  // announced: readiness says 503, answers close their connection
  std::atomic<bool> closing{false};   // listeners closed: nothing new is accepted
  std::atomic<bool> stopped{false};
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> in_flight{0};  // requests read (at least their header) and not yet answered
  std::mutex sessions_mutex;
  std::list<std::weak_ptr<Session>> sessions;
  std::mutex drain_mutex;
  std::condition_variable drained;

  void accept(tcp::acceptor& acceptor, ListenerState& state);
  std::optional<ConnectionSlot> admit(tcp::socket& socket, ListenerState& state);
  std::atomic<std::chrono::steady_clock::time_point> last_refusal_log{};
  void connection_closed() {
    if (connections.fetch_sub(1) == 1) notify_drain();
  }
  void request_started() { in_flight.fetch_add(1); }
  void request_ended() {
    if (in_flight.fetch_sub(1) == 1) notify_drain();
  }
  void notify_drain() {
    std::lock_guard lock(drain_mutex);
    drained.notify_all();
  }
  void announce_drain(std::chrono::steady_clock::time_point deadline);
  void close_listeners();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ListenerState& state, Server::Impl& server, ConnectionSlot slot)
      : slot_(std::move(slot)),
        stream_(std::move(socket), state.tls),
        state_(state),
        server_(server),
        // Room for a full header block plus read-ahead; bodies go into the parser's string.
        buffer_(std::max<std::size_t>(64 * 1024, state.limits.header_limit + 8 * 1024)) {
    server_.connections.fetch_add(1);
    beast::error_code ec;
    auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  ~Session() {
    if (busy_) server_.request_ended();
    server_.connection_closed();
  }

  void run() { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::start, shared_from_this())); }

  // Called (from any thread) when the server drains: idle connections close now, busy
  // ones after their current response.
  // Called after the I/O threads have stopped: closes whatever survived the drain.
  void force_close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { beast::get_lowest_layer(self->stream_).close(); });
  }

  void drain() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_ && !self->closing_) beast::get_lowest_layer(self->stream_).cancel();
    });
  }

 private:
  void start() {
    beast::get_lowest_layer(stream_).expires_after(state_.limits.handshake_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            beast::bind_front_handler(&Session::on_handshake, shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    // A refused protocol version or a scanner lands here; nothing to answer over TLS.
    if (ec) return fail(ec, "handshake");
    read_request();
  }

  void read_request() {
    // While draining, a connection that has been answered closes; a new one accepted
    // during the announce period still gets its first request answered. Once the
    // listeners close, drain() cuts every connection not busy with a request, a new one
    // still in its handshake or not yet sending included: a client that connected in that
    // last instant retries elsewhere, as it would after the close itself.
    if (server_.draining && requests_ > 0) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(state_.limits.header_limit));
    parser_->body_limit(state_.limits.body_limit);
    beast::get_lowest_layer(stream_).expires_after(requests_ == 0 ? state_.limits.header_timeout
                                                                  : state_.limits.idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t bytes) {
    if (ec) return on_read_error(ec);
    set_busy(true);
    bytes_in_ = bytes;
    // Framing another implementation could read differently is answered and the connection
    // closed before a byte of body is read: nothing after it is taken as a next request.
    if (auto problem = check_framing(head_of(parser_->get()))) return answer_early(problem->type, problem->detail);
    beast::get_lowest_layer(stream_).expires_after(state_.limits.body_timeout);
    // A client that asks before sending its body (Expect: 100-continue, RFC 9110 §10.1.1)
    // would otherwise wait for its own timeout first. Headers that refuse the body (its
    // size over the limit) have already been answered by now, without the 100.
    const auto& header = parser_->get();
    if (header.version() == 11 && !parser_->is_done() && beast::iequals(header[bhttp::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      return net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                              beast::bind_front_handler(&Session::on_continue_sent, shared_from_this()));
    }
    read_body();
  }

  static RequestHead head_of(const bhttp::request_parser<bhttp::string_body>::value_type& header) {
    RequestHead head;
    head.version = header.version();
    for (const auto& field : header) {
      switch (field.name()) {
        case bhttp::field::host:
          ++head.host_fields;
          head.host = {field.value().data(), field.value().size()};
          break;
        case bhttp::field::content_length: ++head.content_length_fields; break;
        case bhttp::field::transfer_encoding:
          head.transfer_encodings.emplace_back(field.value().data(), field.value().size());
          break;
        default: break;
      }
    }
    return head;
  }

  void on_continue_sent(beast::error_code ec, std::size_t) {
    if (ec) return fail(ec, "write");
    read_body();
  }

  void read_body() {
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_body, shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t bytes) {
    if (ec) return on_read_error(ec);
    bytes_in_ += bytes;
    ++requests_;
    handle(parser_->release());
  }

  void on_read_error(beast::error_code ec) {
    // Errors the client can still be told about get a problem response, then close.
    if (ec == bhttp::error::body_limit)
      return answer_early(problems::payload_too_large,
                          "The request body exceeds " + std::to_string(state_.limits.body_limit) + " bytes.");
    if (ec == bhttp::error::header_limit)
      return answer_early(
          {"header-too-large", 431, "Request header fields too large"},
          "The request line and headers exceed " + std::to_string(state_.limits.header_limit) + " bytes.");
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
      return answer_early(problems::malformed_request, "The request is not valid HTTP/1.1.");
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted) return close();
    return fail(ec, "read");
  }

  void answer_early(const ProblemType& type, std::string detail) {
    RequestContext ctx;
    ctx.request_id = new_request_id();
    if (parser_ && parser_->is_header_done()) {
      ctx.request.method = std::string(parser_->get().method_string());
      ctx.request.target = std::string(parser_->get().target());
    }
    Response r = make_problem(type, std::move(detail), ctx.request_id, "urn:octopus:request:" + ctx.request_id);
    ctx.outcome = type.slug;
    state_.pipeline->finish(ctx, r);
    write(std::move(ctx), std::move(r), /*close=*/true);
  }

  void handle(bhttp::request<bhttp::string_body>&& message) {
    RequestContext ctx;
    ctx.remote = remote_;
    ctx.request_id = new_request_id();
    ctx.request.method = std::string(message.method_string());
    ctx.request.target = std::string(message.target());
    ctx.request.version = message.version();
    ctx.request.headers.reserve(16);
    for (const auto& field : message)
      ctx.request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    ctx.request.body = std::move(message.body());
    keep_alive_ = message.keep_alive();

    TraceParent tp;
    if (parse_traceparent(ctx.request.header("traceparent"), tp)) {
      ctx.trace_id = std::move(tp.trace_id);
      ctx.parent_id = std::move(tp.parent_id);
    }
    const auto correlator = ctx.request.header("x-correlator");
    if (!correlator.empty() && valid_correlator(correlator)) ctx.correlator = std::string(correlator);

    const Pipeline& pipeline = *state_.pipeline;
    if (auto early = pipeline.resolve(ctx)) return respond(std::move(ctx), std::move(*early));
    if (!ctx.route->blocking) {
      Response r = pipeline.run(ctx);
      return respond(std::move(ctx), std::move(r));
    }
    // Blocking handlers (store writes) run on the worker pool; the answer comes back to
    // this connection's strand.
    auto shared_ctx = std::make_shared<RequestContext>(std::move(ctx));
    net::post(*server_.workers, [self = shared_from_this(), shared_ctx, &pipeline] {
      auto r = std::make_shared<Response>(pipeline.run(*shared_ctx));
      net::post(self->stream_.get_executor(),
                [self, shared_ctx, r] { self->respond(std::move(*shared_ctx), std::move(*r)); });
    });
  }

  void respond(RequestContext&& ctx, Response&& r) {
    state_.pipeline->finish(ctx, r);
    const bool close = !keep_alive_ || server_.draining || requests_ >= state_.limits.max_requests_per_connection;
    write(std::move(ctx), std::move(r), close);
  }

  // One request is in flight per connection, so the response and its context live in
  // the session until the write completes (no per-request heap blocks for them).
  void write(RequestContext&& ctx, Response&& r, bool close) {
    closing_ = close;
    res_.emplace();
    res_->result(static_cast<unsigned>(r.status));
    res_->version(11);
    for (auto& [name, value] : r.headers) res_->insert(name, value);
    res_->body() = std::move(r.body);
    res_->keep_alive(!close);
    res_->prepare_payload();
    current_ = std::move(ctx);
    beast::get_lowest_layer(stream_).expires_after(state_.limits.write_timeout);
    bhttp::async_write(stream_, *res_, [self = shared_from_this(), close](beast::error_code ec, std::size_t bytes) {
      self->on_write(ec, bytes, close);
    });
  }

  void on_write(beast::error_code ec, std::size_t bytes, bool close) {
    const auto duration = std::chrono::steady_clock::now() - current_.started;  // to the last byte written
    count_request(current_, res_->result_int(), duration);
    log_access(current_, res_->result_int(), bytes, duration);
    res_.reset();
    set_busy(false);
    if (ec) return fail(ec, "write");
    if (close) return this->close();
    read_request();
  }

  void count_request(const RequestContext& ctx, unsigned status, std::chrono::steady_clock::duration duration) {
    observability::AnsweredRequest answered;
    answered.plane = state_.pipeline->plane();
    // Only partners are labelled: other planes' callers are operators and services.
    if (ctx.route && ctx.route->capability_class) {
      answered.capability_class = to_string(*ctx.route->capability_class);
      if (ctx.principal) answered.partner = ctx.principal->id;
    }
    answered.status = status;
    answered.outcome = ctx.outcome;
    answered.seconds = std::chrono::duration<double>(duration).count();
    observability::record_request(answered);
  }

  void log_access(const RequestContext& ctx, unsigned status, std::size_t bytes_out,
                  std::chrono::steady_clock::duration duration) {
    if (!observability::access_log_enabled()) return;
    observability::AccessRecord rec;
    rec.plane = state_.pipeline->plane();
    rec.request_id = ctx.request_id;
    rec.method = ctx.request.method;
    rec.path = ctx.request.path();
    rec.status = static_cast<int>(status);
    rec.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
    rec.bytes_in = bytes_in_;
    rec.bytes_out = bytes_out;
    if (ctx.principal) {
      rec.principal = ctx.principal->id;
      rec.key_id = ctx.principal->key_id;
    }
    rec.outcome = ctx.outcome;
    rec.trace_id = ctx.trace_id;
    rec.parent_id = ctx.parent_id;
    rec.correlator = ctx.correlator;
    rec.remote = remote_;
    observability::write_access_log(rec);
  }

  // In flight from its header to its answer written: a drain waits for it.
  void set_busy(bool busy) {
    if (busy == busy_) return;
    busy_ = busy;
    busy ? server_.request_started() : server_.request_ended();
  }

  void close() {
    closing_ = true;
    beast::get_lowest_layer(stream_).expires_after(state_.limits.handshake_timeout);
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
      beast::error_code ignored;
      beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(self->stream_).close();
    });
  }

  void fail(beast::error_code ec, const char* what) {
    if (!harmless(ec))
      observability::log_warn("connection_error", {{"stage", what}, {"error", ec.message()}, {"remote", remote_}});
    closing_ = true;
    beast::get_lowest_layer(stream_).close();
  }

  ConnectionSlot slot_;  // first member: released last, once the socket is closed
  beast::ssl_stream<beast::tcp_stream> stream_;
  ListenerState& state_;
  Server::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::string_body>> res_;
  RequestContext current_;
  std::string remote_;
  std::size_t requests_ = 0;
  std::size_t bytes_in_ = 0;
  bool keep_alive_ = true;
  bool busy_ = false;
  bool closing_ = false;
};

}  // namespace

// A place for the new connection under the listener's caps, or nothing: then the socket is
// closed at once (no TLS, no session), counted, and logged at most once a second.
std::optional<ConnectionSlot> Server::Impl::admit(tcp::socket& socket, ListenerState& state) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  const std::string address = ec ? std::string("unknown") : client_network(endpoint.address().to_string());
  const auto verdict = state.connections.admit(address);
  if (verdict == ConnectionLimiter::Verdict::admitted) return ConnectionSlot(state.connections, address);
  socket.close(ec);
  const bool per_address = verdict == ConnectionLimiter::Verdict::address_full;
  observability::metrics().increment(refused_series(state.pipeline->plane(), per_address));
  const auto now = std::chrono::steady_clock::now();
  if (now - last_refusal_log.load() > std::chrono::seconds(1)) {
    last_refusal_log = now;
    observability::log_warn("connection_refused", {{"plane", std::string(state.pipeline->plane())},
                                                   {"reason", per_address ? "address_limit" : "listener_limit"},
                                                   {"address", address}});
  }
  return std::nullopt;
}

void Server::Impl::accept(tcp::acceptor& acceptor, ListenerState& state) {
  acceptor.async_accept(net::make_strand(ioc), [this, &acceptor, &state](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      observability::log_warn("accept_error", {{"error", ec.message()}});
    } else if (!closing) {
      auto slot = admit(socket, state);
      if (!slot) {
        if (!closing) accept(acceptor, state);
        return;
      }
      auto session = std::make_shared<Session>(std::move(socket), state, *this, std::move(*slot));
      {
        std::lock_guard lock(sessions_mutex);
        // Forget sessions that have ended so the list stays as long as the live set.
        sessions.remove_if([](const std::weak_ptr<Session>& w) { return w.expired(); });
        sessions.push_back(session);
      }
      session->run();
    }
    if (!closing) accept(acceptor, state);
  });
}

Server::Server(Options options) : impl_(std::make_unique<Impl>()) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (options.io_threads == 0) options.io_threads = cores;
  if (options.worker_threads == 0) options.worker_threads = cores;
  impl_->options = options;
  impl_->workers = std::make_unique<net::thread_pool>(options.worker_threads);
}

Server::~Server() { shutdown(); }

unsigned short Server::listen(const ListenerSpec& spec) {
  // The listener's ssl::context takes ownership of the native handle.
  auto state = std::make_unique<ListenerState>(make_server_tls_context(spec.tls).release(), spec.limits);
  state->pipeline = spec.pipeline;
  // Each plane's refusals from 0, so that a rate over them sees the first burst.
  for (const bool per_address : {true, false})
    observability::metrics().increment(refused_series(spec.pipeline->plane(), per_address), 0);

  beast::error_code ec;
  auto address = net::ip::make_address(spec.host, ec);
  if (ec) throw std::runtime_error("invalid listen address '" + spec.host + "'");
  tcp::endpoint endpoint{address, spec.port};
  auto acceptor = std::make_unique<tcp::acceptor>(net::make_strand(impl_->ioc));
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + spec.host + ":" + std::to_string(spec.port) + ": " + ec.message());
  const auto port = acceptor->local_endpoint().port();
  impl_->accept(*acceptor, *state);
  impl_->listeners.push_back(std::move(state));
  impl_->acceptors.push_back(std::move(acceptor));
  return port;
}

void Server::start() {
  for (unsigned i = 0; i < impl_->options.io_threads; ++i)
    impl_->threads.emplace_back([this] {
      for (;;) {
        try {
          impl_->ioc.run();
          return;
        } catch (const std::exception& e) {
          // A handler must never throw; if one does, log it and keep serving.
          observability::log_error("io_thread_exception", {{"what", e.what()}});
        }
      }
    });
}

void Server::run_until_signal(std::function<void()> on_hangup) {
  auto& signals = impl_->signals;
  std::mutex m;
  std::condition_variable cv;
  bool stop = false;
  std::function<void()> wait;
  wait = [&] {
    signals.async_wait([&](beast::error_code ec, int signo) {
      if (ec) return;
      if (signo == SIGHUP) {
        if (on_hangup) net::post(*impl_->workers, on_hangup);
        return wait();
      }
      observability::log_info("signal", {{"signal", signo == SIGTERM ? "SIGTERM" : "SIGINT"}});
      std::lock_guard lock(m);
      stop = true;
      cv.notify_all();
    });
  };
  wait();
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return stop; });
  }
  signals.cancel();
  shutdown();
}

// Draining is announced first: readiness answers 503 and every answer closes its
// connection, while the listeners stay open so that a load balancer's probe still gets
// that answer. They close once the requests in flight are answered and the announce
// period has passed (or the drain timeout ends it).
void Server::Impl::announce_drain(std::chrono::steady_clock::time_point deadline) {
  draining = true;
  if (threads.empty()) return;
  const auto announced_until = std::min(deadline, std::chrono::steady_clock::now() + options.drain_announce);
  std::unique_lock lock(drain_mutex);
  drained.wait_until(lock, announced_until, [] { return false; });
  drained.wait_until(lock, deadline, [this] { return in_flight.load() == 0; });
}

// Acceptors live on their own strands: each is closed there.
void Server::Impl::close_listeners() {
  closing = true;
  for (auto& a : acceptors) {
    std::promise<void> done;
    auto fut = done.get_future();
    net::post(a->get_executor(), [&a, &done] {
      beast::error_code ec;
      a->close(ec);
      done.set_value();
    });
    if (!threads.empty()) fut.wait();
  }
}

void Server::shutdown() {
  if (impl_->stopped.exchange(true)) return;
  const auto deadline = std::chrono::steady_clock::now() + impl_->options.drain_timeout;
  impl_->announce_drain(deadline);
  impl_->close_listeners();
  {
    std::lock_guard lock(impl_->sessions_mutex);
    for (auto& w : impl_->sessions)
      if (auto s = w.lock()) s->drain();
  }
  if (!impl_->threads.empty()) {
    std::unique_lock lock(impl_->drain_mutex);
    const bool clean = impl_->drained.wait_until(lock, deadline, [this] { return impl_->connections.load() == 0; });
    observability::log_info("drained", {{"clean", clean}, {"open_connections", impl_->connections.load()}});
  }
  impl_->workers->join();
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  impl_->threads.clear();
  // No session may outlive the listener state it points to: close the survivors and run
  // their last handlers here, on this thread.
  {
    std::lock_guard lock(impl_->sessions_mutex);
    for (auto& w : impl_->sessions)
      if (auto s = w.lock()) s->force_close();
    impl_->sessions.clear();
  }
  impl_->ioc.restart();
  impl_->ioc.run_for(std::chrono::seconds(2));
  impl_->acceptors.clear();
}

bool Server::draining() const { return impl_->draining; }
std::size_t Server::open_connections() const { return impl_->connections; }

}  // namespace octopus::http
