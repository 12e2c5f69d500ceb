#include "app/audit_command.hpp"

#include <filesystem>
#include <optional>
#include <ostream>

#include "app/sql_repositories.hpp"
#include "audit/sql_audit_repository.hpp"
#include "config/gateway_config.hpp"
#include "octopus/protocol/base64.hpp"

namespace octopus::app {

const char* const kAuditHelp = R"(
audit verify [--config FILE] [--data-dir DIR] [--head-file FILE] [--public-key BASE64]
  Checks the audit log of the gateway database in DIR (or the configuration's
  data_dir; a copy of the database works too) against its signed hash chain, and
  names the first entry that was edited, removed, inserted or moved. With a head
  file (audit.head_file, or --head-file) entries removed from the log's end are
  found too. --public-key pins the audit key (the base64 the command prints);
  without it the key is read from DIR/audit-signing.key.
  Exit 0 when intact, 1 when not.
)";

namespace {

struct VerifyOptions {
  std::string config, data_dir, head_file, public_key;
};

std::optional<std::string> parse_options(const std::vector<std::string>& args, VerifyOptions& o) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    const auto& a = args[i];
    std::string* into = a == "--config"       ? &o.config
                        : a == "--data-dir"   ? &o.data_dir
                        : a == "--head-file"  ? &o.head_file
                        : a == "--public-key" ? &o.public_key
                                              : nullptr;
    if (!into) return "unknown option '" + a + "'";
    if (i + 1 >= args.size()) return a + " needs a value";
    *into = args[++i];
  }
  if (o.config.empty() && o.data_dir.empty()) return "audit verify needs --data-dir DIR or --config FILE";
  return std::nullopt;
}

protocol::Ed25519PublicKey audit_key(const VerifyOptions& o) {
  if (o.public_key.empty()) return audit::AuditSigner::from_key_file(o.data_dir + "/audit-signing.key").public_key();
  const auto bytes = protocol::base64_decode(o.public_key);
  protocol::Ed25519PublicKey key{};
  if (!bytes || bytes->size() != key.size()) throw std::runtime_error("--public-key is not a base64 Ed25519 key");
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

int verify(VerifyOptions o, std::ostream& out, std::ostream& err) {
  config::StoreConfig store;  // --data-dir alone: that directory's SQLite file
  if (!o.config.empty()) {
    const auto config = config::load_config(o.config);
    if (o.data_dir.empty()) o.data_dir = config.data_dir;
    if (o.head_file.empty()) o.head_file = config.audit_head_file;
    store = config.store;
  }
  const auto database = o.data_dir + "/gateway.db";
  if (store.kind == "sqlite" && !std::filesystem::exists(database))
    throw std::runtime_error(database + ": no gateway database here");
  const auto key = audit_key(o);
  std::optional<audit::SignedHead> head;
  if (!o.head_file.empty()) head = audit::read_head_file(o.head_file);
  const auto db = open_database(store, o.data_dir);
  const auto verdict = audit::verify_audit_chain(*db, key, head);
  const auto key_text = protocol::base64_encode(key.data(), key.size());
  if (!verdict.intact()) {
    err << "octopus-gateway: the audit log is NOT intact: " << verdict.reason << "\n"
        << "octopus-gateway: first bad entry: " << *verdict.first_bad << "; the " << verdict.entries
        << " entries before it verify (audit key " << key_text << ")\n";
    return 1;
  }
  out << "audit log intact: " << verdict.entries << " entries, last entry " << verdict.last_id << ", chain head "
      << audit::to_hex(verdict.last_hash) << (head ? ", agrees with the head file" : "") << " (audit key " << key_text
      << ")\n";
  return 0;
}

}  // namespace

int run_audit_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] != "verify") {
    err << "octopus-gateway: audit needs a subcommand: verify\nTry 'octopus-gateway --help'.\n";
    return 2;
  }
  VerifyOptions options;
  if (const auto problem = parse_options(args, options)) {
    err << "octopus-gateway: " << *problem << "\nTry 'octopus-gateway --help'.\n";
    return 2;
  }
  try {
    return verify(std::move(options), out, err);
  } catch (const std::exception& e) {
    err << "octopus-gateway: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace octopus::app
