// Every repository over one SQL database: SQLite's one file (a single machine, and most
// tests) or a PostgreSQL database several instances share (store.kind).
#pragma once
#include <filesystem>
#include <memory>
#include <string>

#include "accounts/sql_account_repository.hpp"
#include "audiences/sql_audience_repository.hpp"
#include "audit/sql_audit_repository.hpp"
#include "deliveries/sql_delivery_repository.hpp"
#include "events/sql_stream_cursor_repository.hpp"
#include "idempotency/sql_idempotency_repository.hpp"
#include "offers/sql_offer_repository.hpp"
#include "partners/sql_partner_repository.hpp"
#include "privacy/sql_release_ledger.hpp"
#include "settlement/sql_contract_repository.hpp"
#include "settlement/sql_ledger_repository.hpp"
#include "store/postgresql/postgres_database.hpp"
#include "store/sql/database.hpp"
#include "tokens/sql_subscriber_token_repository.hpp"
#include "triggers/sql_trigger_repository.hpp"
#include "usage/sql_usage_repository.hpp"
#include "webhooks/sql_webhook_delivery_repository.hpp"
#include "webhooks/sql_webhook_endpoint_repository.hpp"

namespace octopus::config {
struct StoreConfig;
}

namespace octopus::app {

struct SqlRepositories {
  // Over `database`; the audit log's signing key is `audit_key`, made on first use.
  SqlRepositories(std::unique_ptr<store::sql::Database> database, std::filesystem::path audit_key);
  // Opens (creating if needed, mode 0600) and migrates the SQLite file `path`, with the
  // audit key beside it (audit-signing.key). Throws store::StoreError.
  explicit SqlRepositories(const std::string& path);

  std::filesystem::path audit_key;
  std::unique_ptr<store::sql::Database> database;
  store::sql::Database& db;
  partners::SqlPartnerRepository partners{db};
  audit::SqlAuditRepository audit{db, audit::AuditSigner::from_key_file(audit_key)};
  audiences::SqlAudienceRepository audiences{db};
  offers::SqlOfferRepository offers{db};
  deliveries::SqlDeliveryRepository deliveries{db};
  deliveries::SqlConsentChangeRepository consent_changes{db};
  tokens::SqlSubscriberTokenRepository subscriber_tokens{db};
  triggers::SqlTriggerRepository triggers{db};
  events::SqlStreamCursorRepository stream_cursors{db};
  idempotency::SqlIdempotencyRepository idempotency{db};
  privacy::SqlReleaseLedger privacy_releases{db};
  settlement::SqlContractRepository contracts{db};
  settlement::SqlLedgerRepository settlement_ledger{db};
  webhooks::SqlWebhookEndpointRepository webhook_endpoints{db};
  webhooks::SqlWebhookDeliveryRepository webhook_deliveries{db};
  accounts::SqlAccountRepository operator_accounts{db};
  usage::SqlUsageRepository usage{db};

  static std::filesystem::path key_beside(const std::string& database) {
    return std::filesystem::path(database).parent_path() / "audit-signing.key";
  }
};

// The PostgreSQL options with the password from the environment variable the configuration
// names. Throws std::runtime_error when that variable is not set.
store::postgresql::PostgresOptions with_password(const config::StoreConfig& store);

// The configured database: data_dir/gateway.db, or the PostgreSQL database (its password
// from the environment variable the configuration names); migrated. Throws.
std::unique_ptr<store::sql::Database> open_database(const config::StoreConfig& store, const std::string& data_dir);

// The configured store: data_dir/gateway.db, or the PostgreSQL database (its password from
// the environment variable the configuration names). The audit key is data_dir's either way:
// instances sharing one database must share the key too (docs/operations.md).
std::unique_ptr<SqlRepositories> open_repositories(const config::StoreConfig& store, const std::string& data_dir);

}  // namespace octopus::app
