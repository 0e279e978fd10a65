#include "models/metrics/flow_ledger.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <queue>
#include <string>
#include <tuple>
#include <type_traits>

#include <fmt/format.h>
#include <unistd.h>

#include "sim/core/error.hpp"
#include "sim/core/output_file.hpp"

namespace rlisim::models {

FlowTruth FlowTruth::of(const FlowRecord& record, bool quantiles) {
  FlowTruth t;
  t.offered_packets = record.offered_packets;
  t.offered_bytes = record.offered_bytes;
  t.dropped_packets = record.dropped_packets;
  t.delay = record.delay;
  if (quantiles) {
    std::tie(t.p50_ps, t.p99_ps) = record.p50_p99_ps();
  }
  t.first_arrival = record.first_arrival;
  t.first_seen = record.first_seen;
  t.kind = record.kind;
  t.port = record.port;
  t.port_known = record.port_known;
  t.multiple_ports = record.multiple_ports;
  return t;
}

namespace {

static_assert(std::is_trivially_copyable_v<core::FlowKey>);
static_assert(std::is_trivially_copyable_v<FlowTruth>);
static_assert(std::is_trivially_copyable_v<FlowDelayEstimate>);

// Row layout: serial, key, truth, then per estimator a presence byte and the estimate.
constexpr std::size_t kSerialBytes = sizeof(std::uint32_t);
constexpr std::size_t kEstimateBytes = 1 + sizeof(FlowDelayEstimate);
// Late estimate layout: serial, estimator index, the estimate.
constexpr std::size_t kLateBytes = 2 * sizeof(std::uint32_t) + sizeof(FlowDelayEstimate);
// Rows read from a run at a time, per run, while merging: kReadRows, or fewer once there are
// many runs, so that the runs' buffers hold about kMergeRows in all.
constexpr std::size_t kReadRows = 256;
constexpr std::size_t kMinReadRows = 16;
constexpr std::size_t kMergeRows = std::size_t{1} << 16;

std::size_t read_rows(std::size_t runs) {
  return std::clamp(kMergeRows / std::max<std::size_t>(runs, 1), kMinReadRows, kReadRows);
}

std::string spill_message(std::string_view what) {
  return fmt::format("the spill file of ended flows (in TMPDIR, or /tmp): {}: {}", what,
                     std::strerror(errno));
}

// An unnamed file in TMPDIR (or /tmp): created, then unlinked at once, so that it goes away
// with the process however the process ends. Null, with `error` set, if it cannot be.
std::FILE* open_spill_file(std::string& error) {
  std::error_code ec;
  auto dir = std::filesystem::temp_directory_path(ec);
  if (ec)
    dir = "/tmp";
  std::string path = (dir / "rlisim-flows-XXXXXX").string();
  const int fd = ::mkstemp(path.data());
  if (fd < 0) {
    error = spill_message(fmt::format("cannot create it in {}", dir.string()));
    return nullptr;
  }
  ::unlink(path.c_str());
  std::FILE* file = ::fdopen(fd, "w+b");
  if (file == nullptr) {
    error = spill_message("cannot open it");
    ::close(fd);
  }
  return file;
}

std::uint32_t serial_of(const char* row) {
  std::uint32_t serial;
  std::memcpy(&serial, row, sizeof serial);
  return serial;
}

}  // namespace

namespace {

// Decodes an encoded row and visits it; `estimates` is scratch space, one per estimator.
void visit_encoded(const char* row, std::vector<std::optional<FlowDelayEstimate>>& estimates,
                   const std::function<void(const FlowRow&)>& visit) {
  const char* p = row + kSerialBytes;
  core::FlowKey key;
  std::memcpy(&key, p, sizeof key);
  p += sizeof key;
  FlowTruth truth;
  std::memcpy(&truth, p, sizeof truth);
  p += sizeof truth;
  for (auto& e : estimates) {
    const bool has = *p++ != 0;
    FlowDelayEstimate value;
    std::memcpy(&value, p, sizeof value);
    p += sizeof value;
    e = has ? std::optional(value) : std::nullopt;
  }
  visit(FlowRow{.key = key, .truth = truth, .estimates = estimates});
}

}  // namespace

// Rows in serial order from one source: a run in the spill file (read `read_rows` at a time), a
// sorted buffer in memory (read in place), or the live flows (visited in place, never encoded).
class FlowLedger::RowCursor {
 public:
  RowCursor(std::span<const char> rows, std::size_t row_bytes)
      : rows_(rows.data()), row_bytes_(row_bytes), in_buffer_(rows.size() / row_bytes) {}
  RowCursor(std::FILE* file, const Run& run, std::size_t row_bytes, std::size_t read_rows)
      : file_(file),
        offset_(run.offset),
        left_in_file_(run.rows),
        read_rows_(read_rows),
        row_bytes_(row_bytes) {
    refill();
  }
  RowCursor(std::vector<FlowEntry> live, std::size_t row_bytes)
      : live_(std::move(live)), row_bytes_(row_bytes), in_buffer_(live_.size()) {}
  bool done() const { return position_ == in_buffer_; }
  // The current record, encoded (not for live flows).
  const char* record() const { return rows_ + position_ * row_bytes_; }
  std::uint32_t serial() const {
    return is_live() ? live_[position_].record->first_seen : serial_of(record());
  }
  void visit(const FlowLedger& ledger, const WantQuantiles& quantiles, EstimatesRead read,
             std::vector<std::optional<FlowDelayEstimate>>& estimates,
             const std::function<void(const FlowRow&)>& visit) const {
    if (is_live()) {
      const FlowEntry& f = live_[position_];
      ledger.visit_live(f.id, *f.record, quantiles, read, estimates, visit);
    } else {
      visit_encoded(record(), estimates, visit);
    }
  }
  void next() {
    if (++position_ == in_buffer_ && left_in_file_ > 0)
      refill();
  }

 private:
  bool is_live() const { return !live_.empty(); }
  void refill() {
    const std::uint64_t rows = std::min<std::uint64_t>(left_in_file_, read_rows_);
    buffer_.resize(rows * row_bytes_);
    const auto wanted = static_cast<ssize_t>(buffer_.size());
    const ssize_t read =
        ::pread(::fileno(file_), buffer_.data(), buffer_.size(), static_cast<off_t>(offset_));
    if (read != wanted) {
      if (read >= 0)
        errno = EIO;  // shorter than what was written
      throw core::OutputError(spill_message("cannot read it back"));
    }
    rows_ = buffer_.data();
    offset_ += buffer_.size();
    left_in_file_ -= rows;
    in_buffer_ = rows;
    position_ = 0;
  }

  std::vector<FlowEntry> live_;
  std::FILE* file_ = nullptr;
  std::uint64_t offset_ = 0;
  std::uint64_t left_in_file_ = 0;
  std::size_t read_rows_ = 0;
  std::vector<char> buffer_;    // of a run
  const char* rows_ = nullptr;  // the rows at hand: buffer_'s, or those of a buffer in memory
  std::size_t row_bytes_;
  std::size_t in_buffer_ = 0;
  std::size_t position_ = 0;
};

// The late estimates in serial order, from their runs and those not yet in one.
class FlowLedger::LateEstimateMerge {
 public:
  explicit LateEstimateMerge(const FlowLedger& ledger) {
    cursors_.reserve(ledger.late_runs_.size() + 1);
    for (const Run& run : ledger.late_runs_)
      cursors_.emplace_back(ledger.spill_, run, kLateBytes, read_rows(ledger.late_runs_.size()));
    if (!ledger.sealed_)
      sort_rows(ledger.late_pending_, kLateBytes);
    cursors_.emplace_back(ledger.late_pending_, kLateBytes);
    for (std::size_t i = 0; i < cursors_.size(); ++i) {
      if (!cursors_[i].done())
        heads_.push({cursors_[i].serial(), i});
    }
  }
  bool done() const { return heads_.empty(); }
  // Puts the late estimates of the row `serial` that `read` reads into `estimates`. Rows come
  // in serial order, and every late estimate has its row.
  void apply(std::uint32_t serial, EstimatesRead read,
             std::vector<std::optional<FlowDelayEstimate>>& estimates) {
    while (!heads_.empty() && heads_.top().first <= serial) {
      RLISIM_CHECK(heads_.top().first == serial);
      RowCursor& c = cursors_[heads_.top().second];
      heads_.pop();
      std::uint32_t index;
      FlowDelayEstimate value;
      std::memcpy(&index, c.record() + kSerialBytes, sizeof index);
      std::memcpy(&value, c.record() + kSerialBytes + sizeof index, sizeof value);
      RLISIM_CHECK(index < estimates.size());
      if (read == kAllEstimates || read == index)
        estimates[index] = value;
      c.next();
      if (!c.done())
        heads_.push({c.serial(), static_cast<std::size_t>(&c - cursors_.data())});
    }
  }

 private:
  using Head = std::pair<std::uint32_t, std::size_t>;
  std::vector<RowCursor> cursors_;
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads_;
};

FlowLedger::FlowLedger(const GroundTruth& truth, std::vector<FlowEstimator*> estimators)
    : truth_(&truth),
      estimators_(estimators.begin(), estimators.end()),
      late_sources_(std::move(estimators)) {}

FlowLedger::~FlowLedger() {
  if (spill_ != nullptr)
    std::fclose(spill_);
}

std::size_t FlowLedger::row_bytes() const {
  return kSerialBytes + sizeof(core::FlowKey) + sizeof(FlowTruth) +
         kEstimateBytes * estimators_.size();
}

void FlowLedger::encode(FlowId id, const FlowRecord& record, std::vector<char>& out) const {
  const FlowTruth truth = FlowTruth::of(record, /*quantiles=*/true);
  const core::FlowKey& key = truth_->flow_index()->key(id);
  const std::size_t start = out.size();
  out.resize(start + row_bytes());
  char* p = out.data() + start;
  std::memcpy(p, &truth.first_seen, kSerialBytes);
  p += kSerialBytes;
  std::memcpy(p, &key, sizeof key);
  p += sizeof key;
  std::memcpy(p, &truth, sizeof truth);
  p += sizeof truth;
  for (const FlowEstimator* e : estimators_) {
    // A pending estimate comes later, as a late estimate merged in on reading.
    const auto estimate = e->estimate_pending(id) ? std::nullopt : e->estimate(id);
    *p++ = estimate ? 1 : 0;
    const FlowDelayEstimate value = estimate.value_or(FlowDelayEstimate{});
    std::memcpy(p, &value, sizeof value);
    p += sizeof value;
  }
}

void FlowLedger::visit_live(FlowId id, const FlowRecord& record, const WantQuantiles& quantiles,
                            EstimatesRead read,
                            std::vector<std::optional<FlowDelayEstimate>>& estimates,
                            const std::function<void(const FlowRow&)>& visit) const {
  FlowTruth truth = FlowTruth::of(record, /*quantiles=*/false);
  if (quantiles && quantiles(truth)) {
    std::tie(truth.p50_ps, truth.p99_ps) = record.p50_p99_ps();
  }
  for (std::size_t i = 0; i < estimators_.size(); ++i) {
    estimates[i] = read == kAllEstimates || read == i ? estimators_[i]->estimate(id) : std::nullopt;
  }
  visit(FlowRow{.key = truth_->flow_index()->key(id), .truth = truth, .estimates = estimates});
}

void FlowLedger::on_flow_final(FlowId flow) {
  RLISIM_CHECK(!sealed_);
  const FlowRecord* record = truth_->find(flow);
  if (record == nullptr || record->offered_packets == 0)
    return;
  encode(flow, *record, pending_);
  ++ended_flows_;
  if (pending_.size() >= kRunRows * row_bytes() && !spill_error_) {
    const std::size_t rows = pending_.size() / row_bytes();
    if (write_run(pending_, row_bytes(), runs_))
      spilled_flows_ += rows;
  }
  take_late_estimates();
}

void FlowLedger::take_late_estimates() const {
  for (std::size_t i = 0; i < late_sources_.size(); ++i) {
    for (const LateEstimate& late : late_sources_[i]->take_late_estimates()) {
      const auto index = static_cast<std::uint32_t>(i);
      const std::size_t start = late_pending_.size();
      late_pending_.resize(start + kLateBytes);
      char* p = late_pending_.data() + start;
      std::memcpy(p, &late.serial, sizeof late.serial);
      std::memcpy(p + sizeof late.serial, &index, sizeof index);
      std::memcpy(p + sizeof late.serial + sizeof index, &late.estimate, sizeof late.estimate);
      ++late_estimates_;
    }
  }
  if (late_pending_.size() >= kRunRows * kLateBytes && !spill_error_)
    write_run(late_pending_, kLateBytes, late_runs_);
}

void FlowLedger::sort_rows(std::vector<char>& rows, std::size_t bytes) {
  const std::size_t n = rows.size() / bytes;
  std::vector<std::pair<std::uint32_t, std::size_t>> order(n);
  for (std::size_t i = 0; i < n; ++i)
    order[i] = {serial_of(rows.data() + i * bytes), i};
  if (std::is_sorted(order.begin(), order.end()))
    return;
  std::sort(order.begin(), order.end());
  // Row i takes row order[i].second: each cycle of that permutation moves through one spare
  // row, so sorting never holds a second copy of the rows.
  std::vector<char> spare(bytes);
  std::vector<bool> placed(n, false);
  for (std::size_t start = 0; start < n; ++start) {
    if (placed[start] || order[start].second == start)
      continue;
    std::memcpy(spare.data(), rows.data() + start * bytes, bytes);
    std::size_t at = start;
    while (order[at].second != start) {
      std::memcpy(rows.data() + at * bytes, rows.data() + order[at].second * bytes, bytes);
      placed[at] = true;
      at = order[at].second;
    }
    std::memcpy(rows.data() + at * bytes, spare.data(), bytes);
    placed[at] = true;
  }
}

bool FlowLedger::write_run(std::vector<char>& rows, std::size_t bytes,
                           std::vector<Run>& runs) const {
  std::string error;
  if (spill_ == nullptr)
    spill_ = open_spill_file(error);
  if (spill_ != nullptr) {
    sort_rows(rows, bytes);
    // A failed write may leave part of a run at the end of the file, after every run written:
    // those stay readable, from their offsets.
    if (std::fwrite(rows.data(), 1, rows.size(), spill_) == rows.size() &&
        std::fflush(spill_) == 0) {
      runs.push_back(Run{.offset = spill_bytes_, .rows = rows.size() / bytes});
      spill_bytes_ += rows.size();
      rows.clear();
      return true;
    }
    error = spill_message("cannot write it");
  }
  spill_error_ = error + "; the rows of ended flows are kept in memory from then on";
  return false;
}

void FlowLedger::seal() {
  take_late_estimates();
  sort_rows(pending_, row_bytes());
  sort_rows(late_pending_, kLateBytes);
  sealed_ = true;
}

void FlowLedger::for_each(const std::function<void(const FlowRow&)>& visit, bool quantiles,
                          EstimatesRead read) const {
  static const WantQuantiles all = [](const FlowTruth&) { return true; };
  for_each(visit, quantiles ? all : WantQuantiles{}, read);
}

void FlowLedger::for_each(const std::function<void(const FlowRow&)>& visit,
                          const WantQuantiles& quantiles, EstimatesRead read) const {
  if (!sealed_)
    take_late_estimates();
  const std::size_t bytes = row_bytes();
  // The sources, each in serial order: the runs, the ended rows not yet in a run, the flows
  // still live. A serial is in exactly one of them.
  std::vector<RowCursor> cursors;
  cursors.reserve(runs_.size() + 2);
  for (const Run& run : runs_)
    cursors.emplace_back(spill_, run, bytes, read_rows(runs_.size()));
  if (!sealed_)
    sort_rows(pending_, bytes);
  cursors.emplace_back(pending_, bytes);
  cursors.emplace_back(truth_->flows(), bytes);
  // Smallest serial first.
  using Head = std::pair<std::uint32_t, std::size_t>;
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
  for (std::size_t i = 0; i < cursors.size(); ++i) {
    if (!cursors[i].done())
      heads.push({cursors[i].serial(), i});
  }
  std::vector<std::optional<FlowDelayEstimate>> estimates(estimators_.size());
  LateEstimateMerge late(*this);
  // The row's estimates are `estimates`: the late ones go in before the row is shown.
  const std::function<void(const FlowRow&)> visit_completed = [&](const FlowRow& row) {
    late.apply(row.truth.first_seen, read, estimates);
    visit(row);
  };
  while (!heads.empty()) {
    const std::size_t i = heads.top().second;
    heads.pop();
    cursors[i].visit(*this, quantiles, read, estimates, late.done() ? visit : visit_completed);
    cursors[i].next();
    if (!cursors[i].done())
      heads.push({cursors[i].serial(), i});
  }
  RLISIM_CHECK(late.done());  // every late estimate had its row
}

}  // namespace rlisim::models
