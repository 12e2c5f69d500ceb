#include "redis/redis_client.hpp"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include <algorithm>

namespace octopus::redis {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

RedisReply convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::string;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::status;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::error;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default: out.type = RedisReply::Type::nil;
  }
  return out;
}

std::string sha1_hex(const std::string& text) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), d, &n, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += kHex[d[i] >> 4];
    out += kHex[d[i] & 0x0F];
  }
  return out;
}

}  // namespace

RedisScript::RedisScript(std::string source) : source_(std::move(source)), sha1_(sha1_hex(source_)) {}

RedisClient::RedisClient(RedisOptions options)
    : options_(std::move(options)), breaker_("redis", {options_.breaker_min, options_.breaker_max}) {}

RedisClient::~RedisClient() = default;

void RedisClient::ContextFree::operator()(redisContext* c) const { redisFree(c); }

RedisClient::Connection RedisClient::acquire() {
  {
    std::lock_guard lock(pool_mutex_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  Connection c(redisConnectWithTimeout(options_.host.c_str(), options_.port, to_timeval(options_.connect_timeout)));
  if (!c || c->err) {
    const std::string why = c ? c->errstr : "out of memory";
    throw RedisUnavailable("cannot connect to redis at " + options_.host + ":" + std::to_string(options_.port) + ": " +
                           why);
  }
  redisSetTimeout(c.get(), to_timeval(options_.command_timeout));
  if (!options_.password.empty()) {
    auto reply = run(c.get(), {"AUTH", options_.password});
    if (reply.type == RedisReply::Type::error)
      throw RedisUnavailable("redis refused the password");  // the password itself is never logged
  }
  return c;
}

void RedisClient::give_back(Connection c) {
  std::lock_guard lock(pool_mutex_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(c));
}

RedisReply RedisClient::run(redisContext* c, const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<std::size_t> lens;
  args.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  struct ReplyFree {
    void operator()(redisReply* r) const { freeReplyObject(r); }
  };
  std::unique_ptr<redisReply, ReplyFree> r(
      static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data())));
  if (!r) throw RedisUnavailable(std::string("redis: ") + (c->errstr[0] ? c->errstr : "connection lost"));
  return convert(r.get());
}

RedisReply RedisClient::command(const std::vector<std::string>& argv) {
  // Breaker open: fail fast until the back-off passes, then let calls probe.
  if (!breaker_.allow()) throw RedisUnavailable("redis unavailable (retrying after back-off)");
  const auto started = std::chrono::steady_clock::now();
  try {
    Connection c = acquire();
    RedisReply reply = run(c.get(), argv);
    give_back(std::move(c));
    breaker_.record_duration(std::chrono::steady_clock::now() - started);
    breaker_.record_success();
    return reply;
  } catch (const RedisUnavailable& e) {
    // A connection that failed mid-command is not reused: it closes as it leaves scope.
    breaker_.record_duration(std::chrono::steady_clock::now() - started);
    breaker_.record_failure(e.what());
    throw;
  }
}

RedisReply RedisClient::eval(const RedisScript& script, const std::vector<std::string>& keys,
                             const std::vector<std::string>& args) {
  std::vector<std::string> argv{"EVALSHA", script.sha1(), std::to_string(keys.size())};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  RedisReply reply = command(argv);
  if (reply.type == RedisReply::Type::error && reply.text.rfind("NOSCRIPT", 0) == 0) {
    argv[0] = "EVAL";
    argv[1] = script.source();
    reply = command(argv);
  }
  return reply;
}

}  // namespace octopus::redis
