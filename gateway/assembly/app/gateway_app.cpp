#include "app/gateway_app.hpp"

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "accounts/account_stages.hpp"
#include "accounts/accounts_api.hpp"
#include "admin/events_api.hpp"
#include "admin/health_api.hpp"
#include "admin/partners_api.hpp"
#include "admin/metrics_api.hpp"
#include "admin/policies_api.hpp"
#include "admin/privacy_api.hpp"
#include "admin/subscribers_api.hpp"
#include "admin/usage_api.hpp"
#include "app/api_documents.hpp"
#include "openapi/openapi_document.hpp"
#include "app/population_source.hpp"
#include "audiences/audience_builder.hpp"
#include "audiences/audience_service.hpp"
#include "audiences/audiences_api.hpp"
#include "audiences/redis_query_history.hpp"
#include "auth/redis_nonce_cache.hpp"
#include "engine/reference/reference_engine.hpp"
#include "engine/remote/remote_engine.hpp"
#include "auth/nonce_cache.hpp"
#include "auth/partner_directory.hpp"
#include "auth/scope_authorizer.hpp"
#include "auth/signature_authenticator.hpp"
#include "catalogue/capabilities_api.hpp"
#include "deliveries/channel.hpp"
#include "deliveries/consent_overlay.hpp"
#include "deliveries/contact_ledger.hpp"
#include "deliveries/holder_contact_ledger.hpp"
#include "deliveries/redis_contact_ledger.hpp"
#include "deliveries/deliveries_api.hpp"
#include "deliveries/delivery_runner.hpp"
#include "deliveries/message_sink.hpp"
#include "deliveries/opt_out.hpp"
#include "events/stream_follower.hpp"
#include "admin/adjustments_api.hpp"
#include "admin/contracts_api.hpp"
#include "admin/settlement_summary_api.hpp"
#include "admin/webhook_health_api.hpp"
#include "settlement/charge_service.hpp"
#include "settlement/delivery_billing.hpp"
#include "settlement/settlement_service.hpp"
#include "settlement/settlements_api.hpp"
#include "webhooks/callback_signer.hpp"
#include "webhooks/webhook_deliveries_api.hpp"
#include "webhooks/webhook_dispatcher.hpp"
#include "webhooks/webhooks_api.hpp"
#include "settlement/touch_feed.hpp"
#include "policy/frequency_caps.hpp"
#include "tokens/partner_token.hpp"
#include "triggers/trigger_runner.hpp"
#include "triggers/triggers_api.hpp"
#include "usage/usage_history_api.hpp"
#include "http/formats.hpp"
#include "observability/memory_trim.hpp"
#include "observability/process_metrics.hpp"
#include "http/self_signed.hpp"
#include "idempotency/idempotency_stage.hpp"
#include "http/server.hpp"
#include "observability/access_log.hpp"
#include "observability/request_metrics.hpp"
#include "offers/offers_api.hpp"
#include "offers/products_api.hpp"
#include "observability/log.hpp"
#include "octopus/protocol/ed25519.hpp"
#include "policy/policy_file_watcher.hpp"
#include "policy/policy_registry.hpp"
#include "policy_pin/policy_stage.hpp"
#include "quota/memory_counter_store.hpp"
#include "quota/quota_limiter.hpp"
#include "quota/rate_limit_stage.hpp"
#include "quota/redis_counter_store.hpp"
#include "redis/redis_client.hpp"
#include "app/sql_repositories.hpp"
#include "coordination/leader_lease.hpp"
#include "coordination/sql_lease_repository.hpp"
#include "store/postgresql/change_listener.hpp"

namespace octopus::app {

struct GatewayApp::Parts {
  config::GatewayConfig config;
  // The one clock everything below is given: records, audit entries, plans and budgets.
  const Clock& clock = system_clock();
  std::unique_ptr<SqlRepositories> records;        // the durable state; the privacy budget's books too
  std::unique_ptr<privacy::ReleaseModel> release;  // every figure a partner sees passes here
  auth::PartnerDirectory directory;
  // With a shared store: the lease whose holder alone runs the background work (deliveries,
  // webhook dispatch, the engine's streams); released after that work has stopped.
  std::unique_ptr<coordination::SqlLeaseRepository> leases;
  std::unique_ptr<coordination::LeaderLease> leader;
  std::unique_ptr<redis::RedisClient> redis;  // only with counters.backend: redis
  std::unique_ptr<auth::NonceCache> nonces;
  std::unique_ptr<quota::CounterStore> counters;
  std::unique_ptr<quota::QuotaLimiter> limiter;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<audiences::AudienceService> audiences;
  std::unique_ptr<audiences::AudienceBuilder> audience_builder;  // after engine and store: stops first
  std::unique_ptr<policy::PolicyRegistry> policies;
  std::unique_ptr<policy::PolicyFileWatcher> policy_watcher;  // after `policies`: stops first
  std::unique_ptr<tokens::PartnerTokenizer> tokenizer;
  // Deliveries: what was sent (sink), how often each subscriber was contacted (ledger), the
  // gateway's consent changes (overlay), the runner that sends, and the event follower
  // that turns TD replies into withdrawals. Declared after what they use: they stop first.
  // Who reached whom, for settlement's attribution: fed by the sink, so it outlives it.
  settlement::TouchIndex touches;
  std::unique_ptr<settlement::TouchFeed> touch_feed;
  std::unique_ptr<deliveries::MessageSink> sink;
  std::array<std::unique_ptr<deliveries::SinkChannel>, policy::kChannelCount> channels;
  // The frequency ledger: in Redis with counters.backend: redis (shared by every instance;
  // with a shared store counted by the lease holder), else in this process (`local_ledger`, rebuilt from the sink at
  // start).
  std::unique_ptr<deliveries::FrequencyLedger> ledger;
  deliveries::ContactLedger* local_ledger = nullptr;
  std::unique_ptr<triggers::RedisTriggerCooldowns> cooldowns;  // with Redis: shared like the caps
  deliveries::ConsentOverlay overlay;
  std::unique_ptr<deliveries::ConsentChanges> consent_changes;
  std::unique_ptr<deliveries::OptOutListener> opt_out;
  // What partners are charged for their deliveries' messages (before the runner that
  // reports finished deliveries to it, so it stops after it).
  std::unique_ptr<settlement::ChargeService> charges;
  std::unique_ptr<settlement::DeliveryBilling> billing;
  std::unique_ptr<deliveries::DeliveryRunner> delivery_runner;
  std::unique_ptr<triggers::TriggerRunner> trigger_runner;
  // With a shared store: what other instances change in the registry, in consent and in
  // triggers (after `directory`, `consent_changes` and `trigger_runner`: stops first).
  std::unique_ptr<store::postgresql::ChangeListener> store_changes;
  std::unique_ptr<events::EventFollower> event_follower;
  // Partners' callbacks: the operator's v1a key and the dispatcher that sends the ledger's
  // outbox (before the follower that settles into it, so it stops after it).
  std::unique_ptr<webhooks::CallbackSigner> signer;
  std::unique_ptr<webhooks::WebhookDispatcher> dispatcher;
  // The orders the engine reports, priced into the ledger.
  std::unique_ptr<settlement::SettlementService> settlement;
  std::unique_ptr<events::ConversionFollower> conversion_follower;
  http::Pipeline partner_plane{vocabulary::Plane::partner};
  http::Pipeline admin_plane{vocabulary::Plane::admin};
  std::string generated_ca;
  unsigned short partner_port = 0;
  unsigned short admin_port = 0;
  std::unique_ptr<observability::MemoryTrimmer> trimmer;
  // Usage history, counted as the partner plane answers (stops after the server, writing
  // its last counts to the records).
  std::unique_ptr<usage::UsageRecorder> usage;
  std::unique_ptr<http::Server> server;
  // Figures computed at each scrape. Last: removed first, before anything they read (the
  // server included) goes; the registry is process-wide, so another gateway in the same
  // process may render while this one is being destroyed.
  std::vector<std::unique_ptr<observability::ScopedCollector>> collectors;
};

namespace {
observability::LogLevel parse_level(const std::string& s) {
  if (s == "debug") return observability::LogLevel::debug;
  if (s == "warn") return observability::LogLevel::warn;
  if (s == "error") return observability::LogLevel::error;
  return observability::LogLevel::info;
}

// Every reload attempt is written to the audit log and to the log; a store failure must not
// undo a swap that already happened, so it is logged rather than thrown.
void audit_reload(audit::AuditRepository& audit, const policy::ReloadReport& report, const std::string& directory) {
  admin::count_policy_reload(report);
  const std::string outcome(policy::to_string(report.outcome));
  if (report.ok())
    observability::log_info("policy_reload", {{"actor", report.actor},
                                              {"outcome", outcome},
                                              {"previous_version", report.previous_version},
                                              {"version", report.version}});
  else
    observability::log_warn("policy_reload",
                            {{"actor", report.actor},
                             {"outcome", outcome},
                             {"version", report.version},
                             {"errors", report.errors.size()},
                             {"first_error", report.errors.empty() ? "" : report.errors.front().to_string()}});
  try {
    audit.append_audit(admin::reload_audit_record(report, directory));
  } catch (const std::exception& e) {
    observability::log_error("audit_write_failed", {{"action", "policy.reload"}, {"what", e.what()}});
  }
}
// The embedded reference engine, or the adapter to an engine served over HTTPS. A remote
// engine that is down at start-up does not stop the gateway: partners get 503s with
// Retry-After until it answers.
std::unique_ptr<engine::Engine> start_engine(const config::EngineConfig& c) {
  if (c.kind == "remote") {
    engine::remote::RemoteEngineOptions o;
    o.host = c.remote.address.host;
    o.port = c.remote.address.port;
    o.tls.ca_file = c.remote.ca_file;
    o.tls.server_name = c.remote.server_name;
    // Each network step times out a little before the gateway stops waiting for the answer,
    // so a hung engine trips the breaker before the partner hears 503.
    o.tls.timeout = c.timeout * 4 / 5;
    const char* token = std::getenv(c.remote.token_env.c_str());
    if (!token || !*token)
      throw std::runtime_error("engine.remote.token_env names " + c.remote.token_env + ", which is not set");
    o.token = token;
    o.workers = c.remote.connections;
    o.max_idle_connections = c.remote.connections;
    o.breaker = {c.remote.breaker_min, c.remote.breaker_max};
    observability::log_info(
        "engine_ready",
        {{"kind", "remote"}, {"address", c.remote.address.host + ":" + std::to_string(c.remote.address.port)}});
    return std::make_unique<engine::remote::RemoteEngine>(std::move(o));
  }
  const auto started = std::chrono::steady_clock::now();
  engine::reference::ReferenceEngineOptions options;
  options.activity = {c.events_per_second, c.conversions_per_second, c.seed};
  options.membership_index_bytes = c.membership_index_mb << 20;
  auto population = load_or_generate_population(c.population_file, c.refuse_bad_rows, c.population, c.seed);
  const auto subscribers = population->size();
  auto engine = std::make_unique<engine::reference::ReferenceEngine>(std::move(population), options);
  observability::log_info(
      "engine_ready",
      {{"kind", "reference"},
       {"subscribers", subscribers},
       {"build_ms",
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()}});
  return engine;
}
}  // namespace

using Parts = GatewayApp::Parts;

namespace {

// The admin plane's authentication: operator accounts' tokens, and the bootstrap token that
// can only create the first admin account. Each failed guess that leaves an address
// throttled is an operator-visible event. Without an admin account and without a bootstrap
// token nobody could ever manage the gateway, so it does not start.
std::unique_ptr<accounts::AccountAuthenticator> admin_authenticator(Parts& p, const std::string& bootstrap_token) {
  if (bootstrap_token.empty() && !p.records->operator_accounts.any_active_admin())
    throw std::runtime_error(
        "no admin account exists and OCTOPUS_ADMIN_TOKEN is not set: set it (at least 16 characters) to create the "
        "first admin account through the admin API, or create one with 'octopus-gateway accounts create NAME --role "
        "admin --data-dir DIR'");
  return std::make_unique<accounts::AccountAuthenticator>(
      p.records->operator_accounts, p.clock, bootstrap_token, [&p](std::string_view address) {
        audit::AuditRecord a;
        a.at = p.clock.unix_seconds();
        a.actor = "unauthenticated";
        a.action = "admin.auth_throttled";
        a.subject = std::string(address);
        a.outcome = "refused";
        a.policy_version = p.policies ? p.policies->current()->version : "";
        try {
          p.records->audit.append_audit(a);
        } catch (const std::exception& e) {
          observability::log_error("audit_failed", {{"action", a.action}, {"what", e.what()}});
        }
        observability::log_warn("admin_auth_throttled", {{"address", a.subject}});
      });
}

// The data directory and the records in it.
void open_records(Parts& p) {
  const auto& c = p.config;
  // A data directory the gateway makes is its own account's alone; one the operator made
  // keeps its mode (the files inside are 0600 whatever it is).
  if (std::filesystem::create_directories(c.data_dir))
    std::filesystem::permissions(c.data_dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
  p.records = open_repositories(c.store, c.data_dir);
  if (!c.audit_head_file.empty()) p.records->audit.write_head_to(c.audit_head_file);
}

// The partner registry from the records, then the policies: deny by default (without a
// valid policy set nothing could be decided, so the gateway does not start).
void load_partners_and_policies(Parts& p) {
  const auto& c = p.config;
  p.directory.load(p.records->partners.load_all_partners());
  if (c.store.kind == "postgresql") {
    p.leases = std::make_unique<coordination::SqlLeaseRepository>(p.records->db);
    p.leader = std::make_unique<coordination::LeaderLease>(
        *p.leases, coordination::LeaderLeaseOptions{.ttl = c.store.lease_ttl, .clock = &p.clock});
  }
  p.policies = std::make_unique<policy::PolicyRegistry>(
      c.policies_dir, [audit = &p.records->audit, dir = c.policies_dir](const policy::ReloadReport& report) {
        audit_reload(*audit, report, dir);
      });
  if (auto first = p.policies->reload("startup"); !first.ok()) {
    std::string message = "the policy set in " + c.policies_dir + " is refused:";
    for (const auto& e : first.errors) message += "\n  " + e.to_string();
    throw std::runtime_error(message);
  }
}

// The configured certificate, or a development one made under data_dir/tls.
http::TlsFiles tls_files(Parts& p) {
  http::TlsFiles tls = p.config.tls;
  if (!tls.certificate_chain.empty()) return tls;
  auto generated = http::ensure_self_signed_tls(p.config.data_dir + "/tls");
  tls.certificate_chain = generated.certificate_chain;
  tls.private_key = generated.private_key;
  p.generated_ca = generated.ca_certificate;
  return tls;
}

// Counters: this process alone, or Redis shared by every instance (quotas and nonces).
void start_counters(Parts& p) {
  const auto& c = p.config.counters;
  if (c.backend == "redis") {
    auto options = c.redis;
    if (!c.redis_password_env.empty()) {
      const char* password = std::getenv(c.redis_password_env.c_str());
      if (!password)
        throw std::runtime_error("counters.redis.password_env names " + c.redis_password_env + ", which is not set");
      options.password = password;
    }
    p.redis = std::make_unique<redis::RedisClient>(options);
    p.nonces = std::make_unique<auth::RedisNonceCache>(*p.redis, c.key_prefix);
    p.counters = std::make_unique<quota::RedisCounterStore>(*p.redis, c.key_prefix);
    try {
      p.redis->command({"PING"});
    } catch (const redis::RedisUnavailable& e) {
      // Not fatal: the plans' outage modes apply until Redis answers.
      observability::log_warn("redis_unavailable_at_start", {{"what", e.what()}});
    }
  } else {
    p.nonces = std::make_unique<auth::MemoryNonceCache>();
    p.counters = std::make_unique<quota::MemoryCounterStore>();
  }
  p.limiter = std::make_unique<quota::QuotaLimiter>(*p.counters);
}

// Each plane checks request bodies against the schemas of the document it publishes.
void use_api_documents(Parts& p) {
  auto bodies_of = [](std::string_view text, const char* source) {
    return std::make_shared<const openapi::RequestBodies>(
        openapi::RequestBodies::from_document(openapi::load_document(text, source), source));
  };
  p.partner_plane.use_request_bodies(bodies_of(partner_api_document(), "api-spec/partner.yaml"));
  p.admin_plane.use_request_bodies(bodies_of(admin_api_document(), "api-spec/admin.yaml"));
}

// Partner plane: authenticate, authorize, pin the policy, count against the plan, then
// the capability handlers.
void add_partner_stages(Parts& p) {
  const auto& c = p.config;
  p.partner_plane.add_stage(std::make_unique<auth::SignatureAuthenticator>(p.directory, *p.nonces, c.signatures));
  p.partner_plane.add_stage(std::make_unique<auth::ScopeAuthorizer>());
  p.partner_plane.add_stage(std::make_unique<policy::PolicyStage>(*p.policies));
  if (c.counters.enforce_quotas) p.partner_plane.add_stage(std::make_unique<quota::RateLimitStage>(*p.limiter));
  // After the limits: a replayed answer still counts against the plan, as the request did.
  p.partner_plane.add_stage(std::make_unique<idempotency::IdempotencyStage>(p.records->idempotency));
  capabilities::register_routes(p.partner_plane);
  // Every answer to an authenticated partner counts in its usage history.
  p.usage = std::make_unique<usage::UsageRecorder>(p.records->usage, p.clock, c.usage_flush_interval);
  p.partner_plane.observe([recorder = p.usage.get()](const http::RequestContext& ctx, const http::Response&) {
    if (!ctx.principal || !ctx.route || !ctx.route->capability_class) return;
    recorder->record(ctx.principal->id, vocabulary::to_string(*ctx.route->capability_class),
                     ctx.outcome.empty() ? std::string_view("ok") : std::string_view(ctx.outcome));
  });
}

// The engine and what partners do with it: targeting, audiences, offers.
void add_targeting(Parts& p, const tokens::MasterKey& master_key) {
  const auto& c = p.config;
  p.engine = start_engine(c.engine);
  // Several instances share each partner's recent segments through Redis, so the
  // differencing check sees every query whichever instance answered it.
  std::unique_ptr<audiences::QueryHistory> history;
  if (p.redis) history = std::make_unique<audiences::RedisQueryHistory>(*p.redis, c.counters.key_prefix);
  p.release =
      std::make_unique<privacy::ReleaseModel>(privacy::derive_release_secret(master_key), p.records->privacy_releases);
  p.audiences = std::make_unique<audiences::AudienceService>(*p.engine, c.engine.timeout, *p.release, p.clock,
                                                             std::move(history));
  audiences::AudienceBuilder::fail_unfinished(p.records->audiences, p.clock);
  p.audience_builder = std::make_unique<audiences::AudienceBuilder>(*p.audiences, p.records->audiences,
                                                                    p.records->partners, c.engine.timeout * 12);
  audiences::register_routes(p.partner_plane, {*p.audiences, *p.audience_builder, p.records->audiences});
  offers::register_product_routes(p.partner_plane, *p.engine, c.engine.timeout);
  offers::register_offer_routes(p.partner_plane, p.admin_plane,
                                {p.records->offers, p.records->audit, *p.engine, *p.policies, c.engine.timeout});
  admin::register_event_routes(p.admin_plane, {*p.engine, p.records->audit, *p.policies, c.engine.timeout, p.clock});
  admin::register_contract_routes(
      p.admin_plane, {p.records->partners, p.records->contracts, p.records->audit, *p.engine, c.engine.timeout,
                      [registry = p.policies.get()] { return registry->current(); }, p.clock});
  admin::register_adjustment_routes(p.admin_plane,
                                    {p.records->partners, p.records->settlement_ledger, p.records->audit,
                                     [registry = p.policies.get()] { return registry->current(); }, p.clock});
  admin::register_settlement_summary_route(p.admin_plane, p.records->settlement_ledger);
  admin::register_webhook_health_route(p.admin_plane, p.records->webhook_deliveries);
  p.collectors.push_back(admin::collect_webhook_metrics(p.records->webhook_deliveries));
}

// The week's messages decide today's and this week's caps; triggers' messages as far back
// as their longest cooldown keep those cooldowns across the restart.
void rebuild_contact_ledger(Parts& p) {
  const auto snapshot = p.policies->current();
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(p.clock.now());
  const auto week = policy::counting_periods(*snapshot, now);
  std::int64_t since = week.week_start.time_since_epoch().count();
  for (const auto& t : p.records->triggers.active_triggers())
    since = std::min(since, now.time_since_epoch().count() - t.cooldown_seconds);
  const auto attribution = std::chrono::duration_cast<std::chrono::seconds>(snapshot->settlement.longest_attribution());
  since = std::min(since, now.time_since_epoch().count() - attribution.count());
  const auto week_start_ms = week.week_start.time_since_epoch().count() * 1000;
  std::size_t replayed = 0;
  p.sink->replay(since * 1000, [&](const deliveries::SinkRecord& r) {
    if (p.local_ledger && r.at_ms >= week_start_ms)
      p.local_ledger->record(policy::counting_periods(*snapshot, policy::Seconds(std::chrono::seconds(r.at_ms / 1000))),
                             r.subscriber, r.channel);
    if (r.source_id.starts_with("trg_")) p.trigger_runner->remember_sent(r);
    p.touch_feed->replayed(r);
    ++replayed;
  });
  observability::log_info(
      "contact_ledger_rebuilt",
      {{"messages", replayed}, {"subscribers", p.local_ledger ? p.local_ledger->subscribers() : 0}});
}

// Instances sharing one database: a partner or key another instance adds, changes, suspends
// or revokes is in this one's directory within milliseconds (NOTIFY), or within the check
// interval should a notification be lost; so is a consent change (a TD reply, an agent's
// withdrawal) in this one's overlay, which the deliveries and triggers it runs decide by;
// and so is a trigger created or deleted through another instance, in the triggers it runs.
void follow_store_changes(Parts& p) {
  if (p.config.store.kind != "postgresql") return;
  p.store_changes = std::make_unique<store::postgresql::ChangeListener>(
      with_password(p.config.store),
      std::vector<std::string>{partners::kPartnersTopic, deliveries::kConsentChangesTopic, triggers::kTriggersTopic},
      [&p](const std::string& topic) {
        if (topic == partners::kPartnersTopic) p.directory.load(p.records->partners.load_all_partners());
        if (topic == deliveries::kConsentChangesTopic) p.consent_changes->catch_up();
        if (topic == triggers::kTriggersTopic) p.trigger_runner->reload();
      },
      p.config.store.change_check_interval);
}

// Instances sharing a store may share the sink's folder: each writes files of its own, named
// for this process (one instance alone keeps the plain day files).
std::string sink_tag(const Parts& p) {
  if (p.config.store.kind != "postgresql") return {};
  return deliveries::MessageSink::tag_for(coordination::LeaderLease::this_instance());  // its end: pid and random
}

// The message sink and a channel per kind of message over it; the gateway's consent changes.
deliveries::Channels open_channels(Parts& p) {
  const auto& configured = p.config.deliveries.sink_directory;
  p.sink = std::make_unique<deliveries::MessageSink>(configured.empty() ? p.config.data_dir + "/messages" : configured,
                                                     std::chrono::milliseconds(50), p.clock, sink_tag(p));
  p.touch_feed = std::make_unique<settlement::TouchFeed>(p.touches, p.records->offers);
  p.sink->observe([feed = p.touch_feed.get()](auto batches, std::int64_t at_ms) { feed->appended(batches, at_ms); });
  deliveries::Channels channels{};
  for (const auto ch : policy::kChannels) {
    const auto i = static_cast<std::size_t>(ch);
    p.channels[i] = std::make_unique<deliveries::SinkChannel>(*p.sink, ch, p.config.deliveries.rate_per_second[i]);
    channels[i] = p.channels[i].get();
  }
  p.consent_changes = std::make_unique<deliveries::ConsentChanges>(p.records->consent_changes, p.overlay);
  p.consent_changes->load();
  if (p.redis && p.leader) {
    // Instances sharing a store decide messages only under the background lease: its
    // holder counts in memory and keeps Redis up to date for the next holder.
    p.ledger = std::make_unique<deliveries::HolderContactLedger>(
        *p.redis, p.config.counters.key_prefix,
        [leader = p.leader.get()] { return leader->held() ? leader->token() : std::int64_t{0}; });
  } else if (p.redis) {
    p.ledger = std::make_unique<deliveries::RedisContactLedger>(*p.redis, p.config.counters.key_prefix);
  } else {
    auto local = std::make_unique<deliveries::ContactLedger>();
    p.local_ledger = local.get();
    p.ledger = std::move(local);
  }
  return channels;
}

void add_triggers(Parts& p, const deliveries::PolicySource& policies, const deliveries::Channels& channels) {
  triggers::TriggerRunnerOptions options;
  options.engine_timeout = p.config.engine.timeout;
  if (p.redis) {
    // An event answered is remembered for twice as long as an event may wait and still fire.
    p.cooldowns = std::make_unique<triggers::RedisTriggerCooldowns>(
        *p.redis, p.config.counters.key_prefix, std::chrono::milliseconds(2 * options.max_event_age_ms));
    options.cooldowns = p.cooldowns.get();
  }
  p.trigger_runner = std::make_unique<triggers::TriggerRunner>(
      triggers::TriggerRunnerRecords{p.records->triggers, p.records->offers, p.records->partners}, *p.engine, policies,
      p.overlay, *p.ledger, channels, options);
  rebuild_contact_ledger(p);
  p.trigger_runner->reload();
  triggers::register_trigger_routes(p.partner_plane,
                                    {p.records->triggers, p.records->offers, *p.audiences, *p.trigger_runner});
}

// Whether this instance runs the background work now: always alone; with a shared store,
// while it holds the lease.
std::function<bool()> background_allowed(const Parts& p) {
  if (!p.leader) return {};
  return [leader = p.leader.get()] { return leader->held(); };
}

void add_deliveries(Parts& p, const deliveries::PolicySource& policies, const deliveries::Channels& channels) {
  const auto& c = p.config;
  deliveries::DeliveryRunnerOptions options;
  options.may_run = background_allowed(p);
  if (p.leader) options.fence = [leader = p.leader.get()] { return store::Fence{leader->name(), leader->token()}; };
  options.batch_size = c.deliveries.batch_size;
  options.engine_timeout = c.engine.timeout;
  options.limiter = c.counters.enforce_quotas ? p.limiter.get() : nullptr;
  options.rematerialise = [builder = p.audience_builder.get(), registry = p.policies.get()](
                              const audiences::AudienceRecord& audience, std::string& why) {
    return builder->rematerialise(audience, *registry->current(), why);
  };
  auto current = [registry = p.policies.get()] { return registry->current(); };
  p.charges =
      std::make_unique<settlement::ChargeService>(p.records->settlement_ledger, p.records->contracts, current, p.clock);
  p.billing = std::make_unique<settlement::DeliveryBilling>(settlement::DeliveryBillingDeps{
      *p.charges, p.records->offers, p.records->partners, *p.release, current, *p.engine, c.engine.timeout});
  p.billing->charge_unbilled(p.records->deliveries, p.clock.unix_seconds());
  options.on_finished = [billing = p.billing.get()](const deliveries::DeliveryRecord& d) { billing->on_finished(d); };
  p.delivery_runner = std::make_unique<deliveries::DeliveryRunner>(
      deliveries::DeliveryRunnerRecords{p.records->deliveries, p.records->offers, p.records->audiences,
                                        p.records->partners},
      *p.engine, policies, p.overlay, *p.ledger, channels, *p.sink, options);
  deliveries::register_delivery_routes(
      p.partner_plane, {p.records->deliveries, p.records->offers, p.records->audiences, p.records->subscriber_tokens,
                        *p.delivery_runner, options.limiter, *p.release});
}

// The engine's event stream, read once for every listener: opt-outs first, so a TD reply
// in the same batch as a trigger's event already counts.
void follow_events(Parts& p, const deliveries::PolicySource& policies) {
  p.opt_out = std::make_unique<deliveries::OptOutListener>(*p.consent_changes, policies);
  events::EventFollowerOptions options;
  options.engine_timeout = p.config.engine.timeout;
  options.may_run = background_allowed(p);
  options.before_save = [sink = p.sink.get()] { sink->sync(); };
  p.event_follower = std::make_unique<events::EventFollower>(
      *p.engine, p.records->stream_cursors,
      std::vector<events::EventListener>{
          [opt_out = p.opt_out.get()](const auto& batch) { (*opt_out)(batch); },
          [triggers = p.trigger_runner.get()](const auto& batch) { (*triggers)(batch); }},
      options);
}

// The engine's conversion stream, settled into the ledger. A conversion the store cannot
// write stops the follower at it (retried with back-off): nothing is skipped.
void follow_conversions(Parts& p, const deliveries::PolicySource& policies) {
  p.settlement = std::make_unique<settlement::SettlementService>(
      settlement::SettlementRecords{p.records->settlement_ledger, p.records->contracts}, p.touches, policies, p.clock);
  events::StreamFollowerOptions options{.cursor_name = "engine.conversions"};
  options.engine_timeout = p.config.engine.timeout;
  options.may_run = background_allowed(p);
  p.conversion_follower = std::make_unique<events::ConversionFollower>(
      *p.engine, p.records->stream_cursors,
      std::vector<events::ConversionListener>{[service = p.settlement.get(), touches = &p.touches, clock = &p.clock,
                                               dispatcher = p.dispatcher.get(), registry = p.policies.get(),
                                               sink = p.sink.get(), feed = p.touch_feed.get(),
                                               pruned = std::int64_t{0}](const auto& batch) mutable {
        // Messages other instances sent (a shared sink folder) are touches too: one lost
        // before its orders came in still has them attributed here.
        sink->read_others([feed](const deliveries::SinkRecord& r) { feed->replayed(r); });
        service->settle(batch);  // the batch in one transaction
        dispatcher->wake();      // their callbacks go now, not at the next poll
        // Hourly, touches too old to bring an order are forgotten.
        const auto now = clock->unix_millis();
        if (now - pruned < 3'600'000) return;
        touches->forget_before(now - registry->current()->settlement.longest_attribution().count());
        pruned = now;
      }},
      options);
  settlement::register_settlement_routes(p.partner_plane, {p.records->settlement_ledger, *p.tokenizer, p.clock});
}

// Partners' webhook endpoints and the dispatcher that sends them the ledger's outbox.
void add_webhooks(Parts& p) {
  auto& r = *p.records;
  p.signer = std::make_unique<webhooks::CallbackSigner>(
      webhooks::CallbackSigner::from_key_file(p.config.data_dir + "/webhook-signing.key"));
  auto dispatch = p.config.webhooks.dispatch;
  dispatch.may_run = background_allowed(p);
  p.dispatcher = std::make_unique<webhooks::WebhookDispatcher>(
      webhooks::DispatcherDeps{r.settlement_ledger, r.webhook_endpoints, r.webhook_deliveries, *p.tokenizer, *p.signer,
                               p.clock},
      dispatch);
  webhooks::register_webhook_routes(p.partner_plane, {r.webhook_endpoints, p.config.webhooks.allow_loopback, p.clock});
  webhooks::register_webhook_delivery_routes(
      p.partner_plane, {r.webhook_endpoints, r.webhook_deliveries, r.settlement_ledger, *p.tokenizer, *p.signer,
                        [dispatcher = p.dispatcher.get()] { dispatcher->wake(); }, p.clock});
}

// Admin plane: an operator account (or the bootstrap token), its role against the route's,
// then the registry, accounts, policies, usage, privacy, subscribers.
void add_admin_plane(Parts& p, std::unique_ptr<accounts::AccountAuthenticator> authenticator) {
  const auto& c = p.config;
  admin::register_subscriber_routes(p.admin_plane,
                                    {p.records->partners, p.records->subscriber_tokens, p.records->audit, *p.engine,
                                     *p.consent_changes, *p.policies, *p.tokenizer, c.engine.timeout});
  p.admin_plane.add_stage(std::move(authenticator));
  p.admin_plane.add_stage(std::make_unique<accounts::RoleAuthorizer>());
  auto current_policy = [registry = p.policies.get()] { return registry->current(); };
  admin::register_partner_routes(p.admin_plane,
                                 {p.records->partners, p.records->audit, p.directory, p.clock, current_policy});
  admin::register_policy_routes(p.admin_plane, {*p.policies, p.records->audit});
  accounts::register_account_routes(p.admin_plane,
                                    {p.records->operator_accounts, p.records->audit, p.clock,
                                     [registry = p.policies.get()] { return registry->current()->version; }});
  admin::register_usage_routes(p.admin_plane, {p.records->partners, *p.policies, *p.limiter});
  usage::register_usage_history_route(p.admin_plane, {p.records->partners, *p.usage, p.clock});
  const bool remote_counters = p.redis != nullptr;
  p.collectors.push_back(admin::collect_quota_metrics(
      p.directory, *p.policies, *p.limiter, remote_counters ? c.quota_metrics_refresh : std::chrono::milliseconds(0)));
  p.collectors.push_back(observability::collect_process_metrics());
  p.collectors.push_back(admin::collect_policy_metrics(*p.policies));
  admin::register_privacy_routes(p.admin_plane, {p.records->partners, *p.policies, *p.release});
  admin::register_metrics_route(p.admin_plane);
}

// What /readyz looks at besides the drain: the store, the engine, the policy set, and Redis
// when the counters live there.
std::vector<admin::ReadinessCheck> readiness_checks(Parts& p) {
  std::vector<admin::ReadinessCheck> checks{
      {"store", [db = &p.records->db] { return db->healthy() ? "" : std::string("the store does not answer"); }},
      {"engine",
       [engine = p.engine.get()] {
         return engine->available() ? "" : std::string("the engine is unavailable (its circuit breaker is open)");
       }},
      {"policies",
       [registry = p.policies.get()] { return registry->current() ? "" : std::string("no policy set is loaded"); }}};
  if (p.redis)
    checks.push_back({"redis", [redis = p.redis.get()] {
                        return redis->available() ? "" : std::string("Redis does not answer (counters in outage mode)");
                      }});
  return checks;
}

}  // namespace

GatewayApp::GatewayApp(config::GatewayConfig config, std::string admin_token) : parts_(std::make_unique<Parts>()) {
  auto& p = *parts_;
  p.config = std::move(config);
  const auto& c = p.config;
  observability::set_log_level(parse_level(c.log_level));
  observability::set_access_log_enabled(c.access_log);
  observability::set_request_metrics_enabled(c.request_metrics);
  protocol::ensure_sodium_initialised();

  open_records(p);
  // Before anything else is loaded: a gateway nobody could manage stops at once.
  auto admin_auth = admin_authenticator(p, admin_token);
  load_partners_and_policies(p);
  use_api_documents(p);
  const auto tls = tls_files(p);
  start_counters(p);
  add_partner_stages(p);
  const auto master_key = tokens::load_or_create_master_key(c.data_dir + "/token-master.key");
  add_targeting(p, master_key);

  const deliveries::PolicySource policies = [registry = p.policies.get()] { return registry->current(); };
  p.tokenizer = std::make_unique<tokens::PartnerTokenizer>(master_key);
  const auto channels = open_channels(p);
  add_triggers(p, policies, channels);
  add_deliveries(p, policies, channels);
  follow_store_changes(p);
  follow_events(p, policies);
  add_webhooks(p);
  follow_conversions(p, policies);
  add_admin_plane(p, std::move(admin_auth));

  p.server = std::make_unique<http::Server>(
      http::Server::Options{c.io_threads, c.worker_threads, c.drain_timeout, c.drain_announce});
  p.collectors.push_back(std::make_unique<observability::ScopedCollector>(
      [server = p.server.get()](std::vector<observability::Sample>& out) {
        out.push_back({"octopus_connections_open", static_cast<double>(server->open_connections())});
      }));
  admin::register_health_routes(p.admin_plane, readiness_checks(p),
                                [server = p.server.get()] { return server->draining(); });
  for (const auto* plane : {&p.partner_plane, &p.admin_plane})
    for (const auto& operation : plane->request_bodies_without_route())
      throw std::logic_error(std::string(plane->plane()) + " plane: the API document declares a body for " + operation +
                             " but no route serves it");
  p.partner_port = p.server->listen({c.partner_listen.host, c.partner_listen.port, tls, c.limits, &p.partner_plane});
  p.admin_port = p.server->listen({c.admin_listen.host, c.admin_listen.port, tls, c.limits, &p.admin_plane});
}

GatewayApp::~GatewayApp() { shutdown(); }

void GatewayApp::start() {
  parts_->server->start();
  parts_->trimmer = std::make_unique<observability::MemoryTrimmer>(parts_->config.memory_trim_threshold_mb << 20);
  parts_->delivery_runner->start();
  parts_->event_follower->start();
  parts_->conversion_follower->start();
  parts_->dispatcher->start();
  if (parts_->config.policy_watch_interval.count() > 0) {
    auto* registry = parts_->policies.get();
    parts_->policy_watcher = std::make_unique<policy::PolicyFileWatcher>(
        [registry] { return registry->disk_fingerprint(); }, [registry] { registry->reload("file-watch"); },
        parts_->config.policy_watch_interval);
  }
  observability::log_info("started", {{"partner_port", parts_->partner_port},
                                      {"admin_port", parts_->admin_port},
                                      {"data_dir", parts_->config.data_dir},
                                      {"policy_version", parts_->policies->current()->version},
                                      {"store", std::string(parts_->records->db.kind())},
                                      {"counters", std::string(parts_->counters->backend())},
                                      {"partner_keys", parts_->directory.key_count()}});
}

void GatewayApp::run_until_signal() {
  parts_->server->run_until_signal([this] {
    // SIGHUP re-reads what operators change outside the admin API: the policy files and
    // (for stores shared with other tools) the partner registry.
    parts_->policies->reload("signal:SIGHUP");
    try {
      parts_->directory.load(parts_->records->partners.load_all_partners());
      observability::log_info("reloaded", {{"partner_keys", parts_->directory.key_count()}});
    } catch (const std::exception& e) {
      observability::log_error("partner_reload_failed", {{"what", e.what()}});
    }
  });
}

void GatewayApp::shutdown() {
  if (!parts_) return;
  parts_->policy_watcher.reset();
  parts_->store_changes.reset();
  if (parts_->server) parts_->server->shutdown();
  parts_->event_follower.reset();
  parts_->conversion_follower.reset();
  if (parts_->dispatcher) parts_->dispatcher->stop();
  parts_->delivery_runner.reset();
  parts_->audience_builder.reset();
  // No request can arrive any more: the usage counted since the last flush is written now.
  parts_->usage.reset();
  // The background work has stopped: another instance may take it over at once.
  parts_->leader.reset();
}

engine::Engine& GatewayApp::engine() { return *parts_->engine; }

std::string GatewayApp::policy_version() const {
  auto snapshot = parts_->policies->current();
  return snapshot ? snapshot->version : std::string();
}

bool GatewayApp::runs_background_work() const { return !parts_->leader || parts_->leader->held(); }

std::shared_ptr<const policy::PolicySnapshot> GatewayApp::policies() const { return parts_->policies->current(); }

unsigned short GatewayApp::partner_port() const { return parts_->partner_port; }
unsigned short GatewayApp::admin_port() const { return parts_->admin_port; }
const std::string& GatewayApp::generated_ca_file() const { return parts_->generated_ca; }

}  // namespace octopus::app
