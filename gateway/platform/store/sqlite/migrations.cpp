#include "store/sqlite/migrations.hpp"

#include <iterator>

namespace octopus::store::sqlite {

namespace {

// Migrations are append-only: never edit one that has shipped, add the next.
const char* const kMigrations[] = {
    // 1: partner registry
    R"sql(
      CREATE TABLE partners (
        id           TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('active','suspended')),
        tier         TEXT NOT NULL,
        category     TEXT NOT NULL,
        scopes       TEXT NOT NULL,  -- JSON array of scope names
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
      );
      CREATE TABLE partner_keys (
        key_id      TEXT PRIMARY KEY,
        partner_id  TEXT NOT NULL REFERENCES partners(id),
        algorithm   TEXT NOT NULL,
        public_key  BLOB NOT NULL CHECK (length(public_key) = 32),
        created_at  INTEGER NOT NULL,
        revoked_at  INTEGER
      );
      CREATE INDEX partner_keys_by_partner ON partner_keys(partner_id);
    )sql",
    // 2: append-only audit log; the triggers make "append-only" a property of the file,
    // not only of this code.
    R"sql(
      CREATE TABLE audit_log (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        at             INTEGER NOT NULL,
        actor          TEXT NOT NULL,
        action         TEXT NOT NULL,
        subject        TEXT NOT NULL,
        outcome        TEXT NOT NULL,
        policy_version TEXT NOT NULL,
        detail         TEXT NOT NULL
      );
      CREATE INDEX audit_log_by_action ON audit_log(action, id);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    )sql",
    // 3: partners' audiences (members stay in the engine)
    R"sql(
      CREATE TABLE audiences (
        id             TEXT PRIMARY KEY,
        partner_id     TEXT NOT NULL REFERENCES partners(id),
        status         TEXT NOT NULL CHECK (status IN ('building','ready','failed','deleted')),
        segment        TEXT NOT NULL,
        purpose        TEXT NOT NULL,
        engine_id      TEXT NOT NULL DEFAULT '',
        count          INTEGER,
        suppressed     INTEGER NOT NULL DEFAULT 0,
        reason         TEXT NOT NULL DEFAULT '',
        policy_version TEXT NOT NULL,
        error          TEXT NOT NULL DEFAULT '',
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL
      );
      CREATE INDEX audiences_by_partner ON audiences(partner_id, id);
    )sql",
    // 4: idempotency keys of partner POSTs, with the stored answer
    R"sql(
      CREATE TABLE idempotency_keys (
        partner_id   TEXT NOT NULL,
        key          TEXT NOT NULL,
        fingerprint  TEXT NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('in_flight','done')),
        status       INTEGER,
        content_type TEXT NOT NULL DEFAULT '',
        location     TEXT NOT NULL DEFAULT '',
        body         BLOB,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        PRIMARY KEY (partner_id, key)
      );
      CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);
    )sql",
    // 5: partners' offers and their content decisions and reviews
    R"sql(
      CREATE TABLE offers (
        id                    TEXT PRIMARY KEY,
        partner_id            TEXT NOT NULL REFERENCES partners(id),
        name                  TEXT NOT NULL,
        status                TEXT NOT NULL CHECK (status IN ('approved','rejected','pending_review')),
        channel               TEXT NOT NULL CHECK (channel IN ('sms','push','outbound_call')),
        template              TEXT NOT NULL,
        product_code          TEXT NOT NULL,
        landing_url           TEXT NOT NULL,
        valid_from            INTEGER NOT NULL,
        valid_until           INTEGER NOT NULL,
        reasons               TEXT NOT NULL DEFAULT '[]',
        policy_version        TEXT NOT NULL,
        review_note           TEXT NOT NULL DEFAULT '',
        reviewer              TEXT NOT NULL DEFAULT '',
        review_policy_version TEXT NOT NULL DEFAULT '',
        reviewed_at           INTEGER NOT NULL DEFAULT 0,
        created_at            INTEGER NOT NULL,
        updated_at            INTEGER NOT NULL
      );
      CREATE INDEX offers_by_partner ON offers(partner_id, id);
      CREATE INDEX offers_by_status ON offers(status, id);
    )sql",
    // 6: deliveries, consent changes made at the gateway, partners' subscriber tokens,
    // triggers and the positions of engine stream followers; audiences keep their exact size
    R"sql(
      ALTER TABLE audiences ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE deliveries (
        id             TEXT PRIMARY KEY,
        partner_id     TEXT NOT NULL REFERENCES partners(id),
        offer_id       TEXT NOT NULL REFERENCES offers(id),
        audience_id    TEXT NOT NULL,
        subscribers    TEXT NOT NULL DEFAULT '[]',
        target_count   INTEGER NOT NULL,
        purpose        TEXT NOT NULL,
        status         TEXT NOT NULL CHECK (status IN ('scheduled','running','deferred','completed','cancelled','failed')),
        send_at        INTEGER NOT NULL,
        resume_at      INTEGER NOT NULL DEFAULT 0,
        cursor         INTEGER NOT NULL DEFAULT 0,
        decided        INTEGER NOT NULL DEFAULT 0,
        delivered      INTEGER NOT NULL DEFAULT 0,
        no_consent     INTEGER NOT NULL DEFAULT 0,
        capped         INTEGER NOT NULL DEFAULT 0,
        ineligible     INTEGER NOT NULL DEFAULT 0,
        cancelled      INTEGER NOT NULL DEFAULT 0,
        failed         INTEGER NOT NULL DEFAULT 0,
        sink_position  TEXT NOT NULL DEFAULT '',
        policy_version TEXT NOT NULL,
        error          TEXT NOT NULL DEFAULT '',
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL,
        finished_at    INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX deliveries_by_partner ON deliveries(partner_id, id);
      CREATE INDEX deliveries_by_status ON deliveries(status, id);
      CREATE TABLE consent_changes (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        subscriber       INTEGER NOT NULL,
        purpose          TEXT NOT NULL,
        channel          TEXT NOT NULL,
        partner_category TEXT NOT NULL,
        state            TEXT NOT NULL CHECK (state IN ('granted','withdrawn')),
        actor            TEXT NOT NULL,
        reason           TEXT NOT NULL,
        at               INTEGER NOT NULL
      );
      CREATE INDEX consent_changes_by_subscriber ON consent_changes(subscriber, id);
      CREATE TRIGGER consent_changes_no_update BEFORE UPDATE ON consent_changes
        BEGIN SELECT RAISE(ABORT, 'consent_changes is append-only'); END;
      CREATE TRIGGER consent_changes_no_delete BEFORE DELETE ON consent_changes
        BEGIN SELECT RAISE(ABORT, 'consent_changes is append-only'); END;
      CREATE TABLE subscriber_tokens (
        partner_id TEXT NOT NULL,
        token      TEXT NOT NULL,
        subscriber INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (partner_id, token)
      );
      CREATE TABLE triggers (
        id                 TEXT PRIMARY KEY,
        partner_id         TEXT NOT NULL REFERENCES partners(id),
        offer_id           TEXT NOT NULL REFERENCES offers(id),
        event_type         TEXT NOT NULL,
        segment            TEXT NOT NULL,
        purpose            TEXT NOT NULL,
        cooldown_seconds   INTEGER NOT NULL,
        engine_audience_id TEXT NOT NULL,
        segment_size       INTEGER NOT NULL,
        status             TEXT NOT NULL CHECK (status IN ('active','deleted')),
        matched            INTEGER NOT NULL DEFAULT 0,
        sent               INTEGER NOT NULL DEFAULT 0,
        no_consent         INTEGER NOT NULL DEFAULT 0,
        capped             INTEGER NOT NULL DEFAULT 0,
        ineligible         INTEGER NOT NULL DEFAULT 0,
        cooling_down       INTEGER NOT NULL DEFAULT 0,
        quiet_hours        INTEGER NOT NULL DEFAULT 0,
        policy_version     TEXT NOT NULL,
        created_at         INTEGER NOT NULL,
        updated_at         INTEGER NOT NULL
      );
      CREATE INDEX triggers_by_partner ON triggers(partner_id, id);
      CREATE TABLE stream_cursors (
        name     TEXT PRIMARY KEY,
        position INTEGER NOT NULL
      );
    )sql",
    // 7: partners' organisations; the privacy budget's books: each release of noisy figures to an account, once per
    // question, never changed or removed (a removed row would refund budget)
    R"sql(
      ALTER TABLE partners ADD COLUMN organisation TEXT NOT NULL DEFAULT '';
      CREATE TABLE privacy_releases (
        account       TEXT NOT NULL,
        key           TEXT NOT NULL,
        period        TEXT NOT NULL,
        epsilon_milli INTEGER NOT NULL CHECK (epsilon_milli > 0),
        figures       TEXT NOT NULL,
        at            INTEGER NOT NULL,
        PRIMARY KEY (account, key)
      );
      CREATE INDEX privacy_releases_by_period ON privacy_releases(account, period);
      CREATE TRIGGER privacy_releases_no_update BEFORE UPDATE ON privacy_releases
        BEGIN SELECT RAISE(ABORT, 'privacy_releases is append-only'); END;
      CREATE TRIGGER privacy_releases_no_delete BEFORE DELETE ON privacy_releases
        BEGIN SELECT RAISE(ABORT, 'privacy_releases is append-only'); END;
    )sql",
    // 8: settlement: the operator's contracts with partners; the ledger of what it owes them,
    // append-only; and each order's settled events, one row per order and event, so that an
    // order is settled at most once, ever
    R"sql(
      CREATE TABLE contracts (
        id               TEXT PRIMARY KEY,
        partner_id       TEXT NOT NULL REFERENCES partners(id),
        product_code     TEXT NOT NULL,
        model            TEXT NOT NULL CHECK (model IN ('cpa','cps')),
        cpa_fen          INTEGER NOT NULL CHECK (cpa_fen >= 0),
        cps_basis_points INTEGER NOT NULL CHECK (cps_basis_points BETWEEN 0 AND 10000),
        monthly_cap_fen  INTEGER CHECK (monthly_cap_fen >= 0),
        effective_from   INTEGER NOT NULL,
        effective_until  INTEGER NOT NULL CHECK (effective_until > effective_from),
        created_by       TEXT NOT NULL,
        policy_version   TEXT NOT NULL,
        created_at       INTEGER NOT NULL
      );
      CREATE INDEX contracts_by_partner ON contracts(partner_id, product_code, effective_from);
      CREATE TRIGGER contracts_no_update BEFORE UPDATE ON contracts
        BEGIN SELECT RAISE(ABORT, 'contracts are never changed; end one and make another'); END;
      CREATE TABLE ledger_entries (
        sequence       INTEGER PRIMARY KEY AUTOINCREMENT,
        id             TEXT NOT NULL UNIQUE,
        partner_id     TEXT NOT NULL,
        type           TEXT NOT NULL
                       CHECK (type IN ('settlement.earned','settlement.reversed','settlement.capped')),
        amount_fen     INTEGER NOT NULL,
        currency       TEXT NOT NULL CHECK (currency = 'CNY'),
        order_id       TEXT NOT NULL,
        product_code   TEXT NOT NULL,
        subscriber     INTEGER NOT NULL,
        offer_id       TEXT NOT NULL,
        source_id      TEXT NOT NULL,
        contract_id    TEXT NOT NULL,
        policy_version TEXT NOT NULL,
        reason         TEXT NOT NULL,
        occurred_at_ms INTEGER NOT NULL,
        recorded_at    INTEGER NOT NULL
      );
      CREATE INDEX ledger_by_partner ON ledger_entries(partner_id, sequence);
      CREATE INDEX ledger_by_contract ON ledger_entries(contract_id, type, occurred_at_ms);
      CREATE INDEX ledger_by_order ON ledger_entries(order_id);
      CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
        BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
      CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
        BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
      CREATE TABLE order_outcomes (
        order_id       TEXT NOT NULL,
        event          TEXT NOT NULL CHECK (event IN ('conversion','cancellation')),
        outcome        TEXT NOT NULL,
        partner_id     TEXT NOT NULL,
        occurred_at_ms INTEGER NOT NULL,
        recorded_at    INTEGER NOT NULL,
        PRIMARY KEY (order_id, event)
      );
      CREATE TRIGGER order_outcomes_no_update BEFORE UPDATE ON order_outcomes
        BEGIN SELECT RAISE(ABORT, 'order_outcomes is append-only'); END;
      CREATE TRIGGER order_outcomes_no_delete BEFORE DELETE ON order_outcomes
        BEGIN SELECT RAISE(ABORT, 'order_outcomes is append-only'); END;
    )sql",
    // 9: the webhook outbox: one event per ledger entry, written in the entry's transaction, so
    // an entry is never recorded without the callback that tells its partner (and never twice)
    R"sql(
      CREATE TABLE webhook_events (
        id             TEXT PRIMARY KEY,
        partner_id     TEXT NOT NULL,
        type           TEXT NOT NULL,
        entry_sequence INTEGER NOT NULL UNIQUE REFERENCES ledger_entries(sequence),
        created_at     INTEGER NOT NULL
      );
      CREATE INDEX webhook_events_by_partner ON webhook_events(partner_id, created_at);
      CREATE TRIGGER webhook_events_no_update BEFORE UPDATE ON webhook_events
        BEGIN SELECT RAISE(ABORT, 'webhook_events is append-only'); END;
      CREATE TRIGGER webhook_events_no_delete BEFORE DELETE ON webhook_events
        BEGIN SELECT RAISE(ABORT, 'webhook_events is append-only'); END;
    )sql",
    // 10: partners' webhook endpoints, each with its signing secret (and the previous one
    // while a rotation overlaps)
    R"sql(
      CREATE TABLE webhook_endpoints (
        id                    TEXT PRIMARY KEY,
        partner_id            TEXT NOT NULL REFERENCES partners(id),
        url                   TEXT NOT NULL,
        event_types           TEXT NOT NULL,
        payload_version       TEXT NOT NULL,
        secret                TEXT NOT NULL,
        previous_secret       TEXT NOT NULL DEFAULT '',
        previous_secret_until INTEGER NOT NULL DEFAULT 0,
        status                TEXT NOT NULL CHECK (status IN ('active','deleted')),
        created_at            INTEGER NOT NULL,
        updated_at            INTEGER NOT NULL
      );
      CREATE INDEX webhook_endpoints_by_partner ON webhook_endpoints(partner_id, id);
    )sql",
    // 11: each callback to each endpoint, with its fixed payload and where its attempts stand;
    // and which signature versions an endpoint asks for ("v1", "v1a")
    R"sql(
      CREATE TABLE webhook_deliveries (
        endpoint_id        TEXT NOT NULL REFERENCES webhook_endpoints(id),
        event_id           TEXT NOT NULL,
        partner_id         TEXT NOT NULL,
        type               TEXT NOT NULL,
        payload            TEXT NOT NULL,
        state              TEXT NOT NULL CHECK (state IN ('pending','delivered','dead')),
        attempts           INTEGER NOT NULL DEFAULT 0,
        next_attempt_at_ms INTEGER NOT NULL,
        last_status        INTEGER NOT NULL DEFAULT 0,
        last_error         TEXT NOT NULL DEFAULT '',
        created_at         INTEGER NOT NULL,
        updated_at         INTEGER NOT NULL,
        PRIMARY KEY (endpoint_id, event_id)
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at_ms) WHERE state = 'pending';
      CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(endpoint_id, event_id) WHERE state = 'pending';
      CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries(endpoint_id, created_at);
      ALTER TABLE webhook_endpoints ADD COLUMN signature_versions TEXT NOT NULL DEFAULT '["v1"]';
    )sql",
    // 12: the ledger also holds what partners are charged for their messages (one entry per
    // delivery, at most) and the operator's manual adjustments; contracts price messages.
    // SQLite cannot widen a CHECK in place: the table is rebuilt and its rows copied as they
    // are, with foreign keys off meanwhile and every one checked before the commit.
    R"sql(-- rebuilds tables
      CREATE TABLE ledger_entries_12 (
        sequence       INTEGER PRIMARY KEY AUTOINCREMENT,
        id             TEXT NOT NULL UNIQUE,
        partner_id     TEXT NOT NULL,
        type           TEXT NOT NULL
                       CHECK (type IN ('settlement.earned','settlement.reversed','settlement.capped',
                                       'charge.messages','adjustment')),
        amount_fen     INTEGER NOT NULL,
        currency       TEXT NOT NULL CHECK (currency = 'CNY'),
        order_id       TEXT NOT NULL,
        product_code   TEXT NOT NULL,
        subscriber     INTEGER NOT NULL,
        offer_id       TEXT NOT NULL,
        source_id      TEXT NOT NULL,
        contract_id    TEXT NOT NULL,
        policy_version TEXT NOT NULL,
        reason         TEXT NOT NULL,
        occurred_at_ms INTEGER NOT NULL,
        recorded_at    INTEGER NOT NULL
      );
      INSERT INTO ledger_entries_12 SELECT * FROM ledger_entries;
      DROP TABLE ledger_entries;
      ALTER TABLE ledger_entries_12 RENAME TO ledger_entries;
      CREATE INDEX ledger_by_partner ON ledger_entries(partner_id, sequence);
      CREATE INDEX ledger_by_contract ON ledger_entries(contract_id, type, occurred_at_ms);
      CREATE INDEX ledger_by_order ON ledger_entries(order_id);
      CREATE UNIQUE INDEX ledger_one_charge_per_delivery ON ledger_entries(source_id) WHERE type = 'charge.messages';
      CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
        BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
      CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
        BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
      ALTER TABLE contracts ADD COLUMN message_fen TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE contracts ADD COLUMN sms_per_segment INTEGER NOT NULL DEFAULT 0;
    )sql",
    // 13: the audit log becomes tamper-evident: each entry's signed link in a hash chain
    // (audit/audit_chain.hpp), and the admin request that made it. The entries already
    // written are listed once, to be chained by the gateway (which holds the key) at start.
    R"sql(
      ALTER TABLE audit_log ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
      CREATE TABLE audit_chain (
        entry_id  INTEGER PRIMARY KEY,
        hash      BLOB NOT NULL CHECK (length(hash) = 32),
        signature BLOB NOT NULL CHECK (length(signature) = 64)
      );
      CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
        BEGIN SELECT RAISE(ABORT, 'audit_chain is append-only'); END;
      CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
        BEGIN SELECT RAISE(ABORT, 'audit_chain is append-only'); END;
      CREATE TABLE audit_chain_pending (entry_id INTEGER PRIMARY KEY);
      INSERT INTO audit_chain_pending SELECT id FROM audit_log;
    )sql",
    // 14: named operator accounts with one role each, and their API tokens (only the
    // SHA-256 of each token's secret is kept).
    R"sql(
      CREATE TABLE operator_accounts (
        name        TEXT PRIMARY KEY,
        role        TEXT NOT NULL
                    CHECK (role IN ('admin','operator','compliance','support','viewer','metrics')),
        created_at  INTEGER NOT NULL,
        created_by  TEXT NOT NULL,
        disabled_at INTEGER
      );
      CREATE TABLE operator_tokens (
        id         TEXT PRIMARY KEY,
        account    TEXT NOT NULL REFERENCES operator_accounts(name),
        digest     BLOB NOT NULL CHECK (length(digest) = 32),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE INDEX operator_tokens_by_account ON operator_tokens(account, created_at);
    )sql",
    // 15: usage history: requests per partner, capability class and outcome, by the hour
    // for 30 days, then by the (UTC) day for 13 months.
    R"sql(
      CREATE TABLE usage_hourly (
        hour_start INTEGER NOT NULL,
        partner    TEXT NOT NULL,
        class      TEXT NOT NULL,
        outcome    TEXT NOT NULL,
        requests   INTEGER NOT NULL CHECK (requests >= 0),
        PRIMARY KEY (partner, hour_start, class, outcome)
      ) WITHOUT ROWID;
      CREATE TABLE usage_daily (
        day_start INTEGER NOT NULL,
        partner   TEXT NOT NULL,
        class     TEXT NOT NULL,
        outcome   TEXT NOT NULL,
        requests  INTEGER NOT NULL CHECK (requests >= 0),
        PRIMARY KEY (partner, day_start, class, outcome)
      ) WITHOUT ROWID;
    )sql",
    // 16: leases: which instance sharing the store holds a piece of work (coordination/),
    // until when, and a token that grows with each new holder
    R"sql(
      CREATE TABLE leases (
        name          TEXT PRIMARY KEY,
        holder        TEXT NOT NULL,
        token         INTEGER NOT NULL CHECK (token > 0),
        expires_at_ms INTEGER NOT NULL
      );
    )sql",
};

}  // namespace

std::span<const char* const> migrations() { return {std::begin(kMigrations), std::end(kMigrations)}; }

}  // namespace octopus::store::sqlite
