#include "policy/policy_registry.hpp"

#include <openssl/evp.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "policy/policy_documents.hpp"
#include "policy/policy_set.hpp"

namespace octopus::policy {

namespace {

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0F];
  }
  return out;
}

// The bytes of every policy file, hashed; a missing file hashes as absent.
std::vector<PolicyFileInfo> read_file_infos(const std::filesystem::path& dir) {
  std::vector<PolicyFileInfo> infos;
  for (auto name : kPolicyFileNames) {
    PolicyFileInfo info;
    info.name = std::string(name) + ".yaml";
    std::ifstream in(dir / info.name, std::ios::binary);
    if (in) {
      std::ostringstream text;
      text << in.rdbuf();
      const std::string bytes = text.str();
      info.bytes = bytes.size();
      info.sha256 = sha256_hex(bytes);
    }
    infos.push_back(std::move(info));
  }
  return infos;
}

bool same_files(const std::vector<PolicyFileInfo>& a, const std::vector<PolicyFileInfo>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].sha256 != b[i].sha256 || a[i].bytes != b[i].bytes) return false;
  return true;
}

}  // namespace

std::string_view to_string(ReloadReport::Outcome outcome) {
  switch (outcome) {
    case ReloadReport::Outcome::accepted: return "accepted";
    case ReloadReport::Outcome::unchanged: return "unchanged";
    case ReloadReport::Outcome::refused: return "refused";
  }
  return "refused";
}

PolicyRegistry::PolicyRegistry(std::filesystem::path directory, AuditSink audit, const Clock& clock)
    : directory_(std::move(directory)), audit_(std::move(audit)), clock_(clock) {
  info_.directory = directory_.string();
}

ReloadReport PolicyRegistry::reload(const std::string& actor, const std::string& reason,
                                    const std::string& request_id) {
  std::lock_guard serial(reload_mutex_);
  ReloadReport report;
  report.actor = actor;
  report.reason = reason;
  report.request_id = request_id;
  report.at = clock_.unix_seconds();
  const auto running = current();
  report.previous_version = running ? running->version : "";
  report.version = report.previous_version;

  // An editor may be saving while we read: if the bytes changed between the hashes taken
  // before and after loading, what was compiled may mix two edits, so load again.
  PolicyLoadResult loaded;
  std::vector<PolicyFileInfo> files;
  bool stable = false;
  for (int attempt = 0; attempt < 3 && !stable; ++attempt) {
    files = read_file_infos(directory_);
    try {
      loaded = load_policies(directory_);
    } catch (const std::exception& e) {
      loaded = {};
      loaded.errors.push_back({directory_.string(), 0, "", std::string("could not be loaded: ") + e.what()});
    }
    stable = same_files(files, read_file_infos(directory_));
  }
  if (!stable) {
    loaded.snapshot.reset();
    loaded.errors.push_back({directory_.string(), 0, "", "the files kept changing while they were read; try again"});
  }

  if (!loaded.ok()) {
    report.outcome = ReloadReport::Outcome::refused;
    report.errors = std::move(loaded.errors);
  } else {
    report.attempted_version = loaded.snapshot->version;
    if (running && running->version == loaded.snapshot->version) {
      report.outcome = ReloadReport::Outcome::unchanged;
    } else {
      report.outcome = ReloadReport::Outcome::accepted;
      report.version = loaded.snapshot->version;
      {
        std::lock_guard lock(info_mutex_);
        info_.version = report.version;
        info_.loaded_at = report.at;
        info_.loaded_by = actor;
        info_.files = std::move(files);
      }
      current_.store(std::move(loaded.snapshot), std::memory_order_release);
    }
  }
  if (audit_) audit_(report);
  return report;
}

ActivePolicyInfo PolicyRegistry::info() const {
  std::lock_guard lock(info_mutex_);
  return info_;
}

std::string PolicyRegistry::disk_fingerprint() const {
  std::string fingerprint;
  for (auto name : kPolicyFileNames) {
    const auto path = directory_ / (std::string(name) + ".yaml");
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    const auto mtime = ec ? std::filesystem::file_time_type{} : std::filesystem::last_write_time(path, ec);
    fingerprint += name;
    fingerprint += ':';
    fingerprint += ec ? "-" : std::to_string(size) + "@" + std::to_string(mtime.time_since_epoch().count());
    fingerprint += ';';
  }
  return fingerprint;
}

}  // namespace octopus::policy
