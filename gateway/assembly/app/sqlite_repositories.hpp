// Every repository over one embedded database: what a single-machine gateway (and the tests)
// wire the capabilities to. A scale-out store provides the same interfaces.
#pragma once
#include <filesystem>
#include <string>

#include "accounts/sqlite_account_repository.hpp"
#include "audiences/sqlite_audience_repository.hpp"
#include "audit/sqlite_audit_repository.hpp"
#include "deliveries/sqlite_delivery_repository.hpp"
#include "events/sqlite_stream_cursor_repository.hpp"
#include "idempotency/sqlite_idempotency_repository.hpp"
#include "offers/sqlite_offer_repository.hpp"
#include "partners/sqlite_partner_repository.hpp"
#include "privacy/sqlite_release_ledger.hpp"
#include "settlement/sqlite_contract_repository.hpp"
#include "settlement/sqlite_ledger_repository.hpp"
#include "store/sqlite/sqlite_database.hpp"
#include "tokens/sqlite_subscriber_token_repository.hpp"
#include "triggers/sqlite_trigger_repository.hpp"
#include "usage/sqlite_usage_repository.hpp"
#include "webhooks/sqlite_webhook_delivery_repository.hpp"
#include "webhooks/sqlite_webhook_endpoint_repository.hpp"

namespace octopus::app {

struct SqliteRepositories {
  // Opens (creating if needed, mode 0600) and migrates `path`. Throws store::StoreError.
  // The audit log's signing key lives beside the database (audit-signing.key), made on
  // first use.
  explicit SqliteRepositories(const std::string& path) : audit_key(key_beside(path)), db(path) {}

  std::filesystem::path audit_key;
  store::sqlite::SqliteDatabase db;
  partners::SqlitePartnerRepository partners{db};
  audit::SqliteAuditRepository audit{db, audit::AuditSigner::from_key_file(audit_key)};
  audiences::SqliteAudienceRepository audiences{db};
  offers::SqliteOfferRepository offers{db};
  deliveries::SqliteDeliveryRepository deliveries{db};
  deliveries::SqliteConsentChangeRepository consent_changes{db};
  tokens::SqliteSubscriberTokenRepository subscriber_tokens{db};
  triggers::SqliteTriggerRepository triggers{db};
  events::SqliteStreamCursorRepository stream_cursors{db};
  idempotency::SqliteIdempotencyRepository idempotency{db};
  privacy::SqliteReleaseLedger privacy_releases{db};
  settlement::SqliteContractRepository contracts{db};
  settlement::SqliteLedgerRepository settlement_ledger{db};
  webhooks::SqliteWebhookEndpointRepository webhook_endpoints{db};
  webhooks::SqliteWebhookDeliveryRepository webhook_deliveries{db};
  accounts::SqliteAccountRepository operator_accounts{db};
  usage::SqliteUsageRepository usage{db};

  static std::filesystem::path key_beside(const std::string& database) {
    return std::filesystem::path(database).parent_path() / "audit-signing.key";
  }
};

}  // namespace octopus::app
