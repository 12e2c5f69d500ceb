#include "deliveries/message_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "observability/log.hpp"

namespace octopus::deliveries {

namespace {

std::string day_of(std::int64_t at_ms) {
  const auto days = std::chrono::floor<std::chrono::days>(
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(at_ms)));
  const std::chrono::year_month_day ymd(days);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

// One file of the sink: "messages-YYYYMMDD.jsonl", or "messages-YYYYMMDD.<tag>.jsonl" for
// the instance tagged so (instances sharing one folder write a file each).
struct DayFile {
  std::string day;
  std::string tag;
  std::filesystem::path path;
  auto operator<=>(const DayFile&) const = default;
};

constexpr std::size_t kMaxTag = 64;

bool tag_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool valid_tag(const std::string& tag) {
  return tag.size() <= kMaxTag && std::all_of(tag.begin(), tag.end(), tag_character);
}

std::optional<DayFile> parse_file_name(const std::filesystem::path& path) {
  const auto name = path.filename().string();
  if (name.size() < 23 || !name.starts_with("messages-") || !name.ends_with(".jsonl")) return std::nullopt;
  DayFile f{name.substr(9, 8), "", path};
  if (!std::all_of(f.day.begin(), f.day.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  const auto middle = name.substr(17, name.size() - 17 - 6);  // "" or ".<tag>"
  if (!middle.empty() && (middle.front() != '.' || middle.size() < 2)) return std::nullopt;
  if (!middle.empty()) f.tag = middle.substr(1);
  if (!valid_tag(f.tag)) return std::nullopt;  // not a name the sink gives (a copy, an editor's backup)
  return f;
}

// The files of the sink, in day order (then by tag).
std::vector<DayFile> day_files(const std::filesystem::path& dir) {
  std::vector<DayFile> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (auto f = parse_file_name(entry.path())) out.push_back(std::move(*f));
  std::sort(out.begin(), out.end());
  return out;
}

// Reads the lines of `path` from `offset`; a last line cut short (a crash, or another
// instance's append under way) is left for later. Returns the offset after the last whole line.
template <typename Visit>
std::uint64_t read_lines(const std::filesystem::path& path, std::uint64_t offset, Visit visit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    // Another instance's file this account cannot read: what it sent is unknown here.
    observability::log_warn("message_sink_unreadable", {{"file", path.string()}});
    return offset;
  }
  in.seekg(static_cast<std::streamoff>(offset));
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline: not a whole line yet
    offset += line.size() + 1;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    SinkRecord r;
    r.at_ms = j.value("at_ms", std::int64_t{0});
    r.channel = policy::parse_channel(j.value("channel", "")).value_or(policy::Channel::sms);
    r.source_id = j.value("source", "");
    r.subscriber = j.value("subscriber", std::uint64_t{0});
    r.partner_id = j.value("partner", "");
    r.offer_id = j.value("offer", "");
    r.event = j.value("event", std::uint64_t{0});
    visit(r);
  }
  return offset;
}

void write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("message sink write failed: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string MessageSink::tag_for(std::string name) {
  for (auto& c : name)
    if (!tag_character(c)) c = '-';
  return name.size() > kMaxTag ? name.substr(name.size() - kMaxTag) : name;
}

MessageSink::MessageSink(std::filesystem::path directory, std::chrono::milliseconds sync_every, const Clock& clock,
                         std::string tag)
    : directory_(std::move(directory)), tag_(std::move(tag)), clock_(clock) {
  if (!valid_tag(tag_))
    throw std::invalid_argument("a message sink's tag is letters, digits, '-' and '_' (64 at most)");
  std::filesystem::create_directories(directory_);
  if (sync_every.count() > 0)
    syncer_.emplace(
        sync_every, [this] { sync(); },
        [](const std::exception& e) {
          // The next sync() a caller makes reports it; the lines stay in the file meanwhile.
          observability::log_error("message_sink_sync_failed", {{"what", e.what()}});
        });
}

MessageSink::~MessageSink() {
  if (syncer_) syncer_->stop();
  if (fd_ >= 0) {
    ::fdatasync(fd_);
    ::close(fd_);
  }
}

void MessageSink::sync() {
  int fd = -1;
  std::uint64_t upto = 0;
  {
    std::lock_guard lock(mutex_);
    if (synced_ == appended_ || fd_ < 0) return;
    // A duplicate of the descriptor, so appends (and a new day's file) go on while the disk
    // flushes; it flushes the same file.
    fd = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("message sink sync failed: ") + std::strerror(errno));
    upto = appended_;
  }
  const int rc = ::fdatasync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) throw std::runtime_error(std::string("message sink sync failed: ") + std::strerror(error));
  std::lock_guard lock(mutex_);
  synced_ = std::max(synced_, upto);
}

void MessageSink::open_for(std::int64_t at_ms) {
  const auto day = day_of(at_ms);
  if (fd_ >= 0 && day == day_) return;
  if (fd_ >= 0) {
    // The day's last lines are durable before its file is let go (sync() flushes only the open one).
    if (::fdatasync(fd_) != 0)
      throw std::runtime_error(std::string("message sink sync failed: ") + std::strerror(errno));
    ::close(fd_);
  }
  const auto path = directory_ / ("messages-" + day + (tag_.empty() ? "" : "." + tag_) + ".jsonl");
  // Lines carry subscriber ids: the operator's account only (a file made before is tightened).
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
  ::fchmod(fd_, 0600);
  // A line cut short by a crash would glue onto the next one: end it first.
  const auto size = ::lseek(fd_, 0, SEEK_END);
  if (size > 0) {
    char last = '\n';
    if (::pread(fd_, &last, 1, size - 1) == 1 && last != '\n') write_all(fd_, "\n");
  }
  day_ = day;
}

void MessageSink::append(const MessageBatch& batch, std::int64_t at_ms) {
  append(std::span<const MessageBatch>(&batch, 1), at_ms);
}

void MessageSink::append(std::span<const MessageBatch> batches, std::int64_t at_ms) {
  std::string out;
  std::int64_t stamp = at_ms;
  for (const auto& batch : batches) {
    if (batch.subscribers.empty()) continue;
    stamp = batch.at_ms ? batch.at_ms : at_ms;
    // Everything but the subscriber is the same for the whole batch: build it once.
    nlohmann::json head = {{"at_ms", stamp},
                           {"channel", std::string(policy::to_string(batch.channel))},
                           {"partner", batch.partner_id},
                           {"source", batch.source_id},
                           {"offer", batch.offer_id}};
    auto prefix = head.dump();
    prefix.pop_back();  // the closing brace
    prefix += ",\"text\":" + nlohmann::json(batch.text).dump() + ",\"subscriber\":";
    out.reserve(out.size() + batch.subscribers.size() * (prefix.size() + 24));
    char number[24];
    for (std::size_t i = 0; i < batch.subscribers.size(); ++i) {
      out += prefix;
      out.append(number, std::to_chars(number, number + sizeof number, batch.subscribers[i]).ptr);
      if (i < batch.events.size() && batch.events[i] != 0) {
        out += ",\"event\":";
        out.append(number, std::to_chars(number, number + sizeof number, batch.events[i]).ptr);
      }
      out += "}\n";
    }
  }
  if (out.empty()) return;
  {
    std::lock_guard lock(mutex_);
    open_for(stamp);
    write_all(fd_, out);
    ++appended_;
  }
  if (observer_) observer_(batches, at_ms);
}

std::string MessageSink::position() {
  std::lock_guard lock(mutex_);
  if (fd_ < 0) open_for(now_ms());  // otherwise the file of the last append: the next one goes there or later
  auto at = day_ + ":" + std::to_string(::lseek(fd_, 0, SEEK_END));
  return tag_.empty() ? at : at + ":" + tag_;
}

// "DAY:OFFSET[:TAG]": the file of whoever took the position, read from there on (another
// instance's, when the folder is shared and that instance was lost), and every other file
// from that day on: an instance that took the delivery over after it, and was lost in turn
// before recording anything, wrote its part of the batch to a file of its own.
std::unordered_set<std::uint64_t> MessageSink::written_since(const std::string& position,
                                                             const std::string& source_id) {
  std::unordered_set<std::uint64_t> out;
  const auto colon = position.find(':');
  if (colon == std::string::npos) return out;
  const auto day = position.substr(0, colon);
  const auto second = position.find(':', colon + 1);
  const auto tag = second == std::string::npos ? std::string() : position.substr(second + 1);
  const auto offset_end = second == std::string::npos ? position.size() : second;
  std::uint64_t offset = 0;
  std::from_chars(position.data() + colon + 1, position.data() + offset_end, offset);
  for (const auto& f : day_files(directory_)) {
    if (f.day < day) continue;
    read_lines(f.path, f.day == day && f.tag == tag ? offset : 0, [&](const SinkRecord& r) {
      if (r.source_id == source_id) out.insert(r.subscriber);
    });
  }
  return out;
}

void MessageSink::replay(std::int64_t since_ms, const std::function<void(const SinkRecord&)>& visit) {
  const auto first_day = day_of(since_ms);
  std::lock_guard lock(others_mutex_);
  others_from_day_ = first_day;
  for (const auto& f : day_files(directory_)) {
    if (f.day < first_day) continue;
    const auto end = read_lines(f.path, 0, [&](const SinkRecord& r) {
      if (r.at_ms >= since_ms) visit(r);
    });
    if (f.tag != tag_) others_read_[f.path.string()] = end;
  }
}

void MessageSink::read_others(const std::function<void(const SinkRecord&)>& visit) {
  std::lock_guard lock(others_mutex_);
  // Lines go to the file of the day they are sent: after the replay, only today's and
  // yesterday's files (a batch around midnight) can still grow.
  const auto from = std::max(others_from_day_, day_of(now_ms() - 86'400'000));
  std::erase_if(others_read_, [&](const auto& entry) {
    const auto f = parse_file_name(entry.first);
    return !f || f->day < from;
  });
  for (const auto& f : day_files(directory_)) {
    if (f.day < from || f.tag == tag_) continue;
    // Read, not stat'ed: a network file system may answer a stat from its cache.
    auto& offset = others_read_[f.path.string()];
    offset = read_lines(f.path, offset, visit);
  }
}

}  // namespace octopus::deliveries
