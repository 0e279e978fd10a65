#include "models/lda/lda.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "models/packet_hash.hpp"
#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::models::lda {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Salts that make LDA's packet hash and its bucket/sign hash differ from every other use of
// the experiment seed (another estimator hashing with `seed` samples different packets).
constexpr std::uint64_t kBankSalt = 0x4c44412062616e6bULL;
constexpr std::uint64_t kBucketSalt = 0x6275636b65742f73ULL;

// Adds a group of `n_b` values with mean `mean_b` and population variance `var_b` to the
// group (n, mean, squared deviations) (Chan et al.'s pairwise update): the law of total
// variance, without the cancellation of pooling second moments and subtracting mean^2. Equal
// means leave the spread untouched, so constant delays stay exactly constant.
void merge_group(std::uint64_t& n, double& mean, double& squared_deviations, std::uint64_t n_b,
                 double mean_b, double var_b) {
  if (n_b == 0)
    return;
  const double nb = static_cast<double>(n_b);
  if (n == 0) {
    n = n_b;
    mean = mean_b;
    squared_deviations = nb * var_b;
    return;
  }
  const double na = static_cast<double>(n);
  const double total = na + nb;
  const double delta = mean_b - mean;
  mean += delta * nb / total;
  squared_deviations += nb * var_b + delta * delta * na * nb / total;
  n += n_b;
}

void check_unit_interval(const std::vector<double>& values, const char* field, bool open_low) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    const bool ok = open_low ? (v > 0 && v <= 1) : (v >= 0 && v < 1);
    if (!ok || !std::isfinite(v)) {
      throw std::invalid_argument(fmt::format("lda: {}[{}] must be in {} (got {})", field, i,
                                              open_low ? "(0, 1]" : "[0, 1)", v));
    }
  }
}

}  // namespace

void LdaConfig::validate() const {
  if (buckets < 1)
    throw std::invalid_argument("lda: buckets must be >= 1 (got 0)");
  if (sampling.empty() && design_loss_rates.empty()) {
    throw std::invalid_argument(
        "lda: design_loss_rates must name at least one bank (or give sampling)");
  }
  check_unit_interval(design_loss_rates, "design_loss_rates", false);
  check_unit_interval(sampling, "sampling", true);
  if (static_cast<std::uint64_t>(banks()) * buckets > Lda::kMaxTotalBuckets) {
    throw std::invalid_argument(fmt::format("lda: banks x buckets must be <= {} (got {} x {})",
                                            Lda::kMaxTotalBuckets, banks(), buckets));
  }
  if (!(a > 0 && a <= 10))
    throw std::invalid_argument(fmt::format("lda: a must be in (0, 10] (got {})", a));
  if (interval.count() <= 0) {
    throw std::invalid_argument(
        fmt::format("lda: interval must be > 0 ps (got {} ps)", interval.count()));
  }
}

double Lda::sampling_rule(double a, std::uint32_t buckets, double design_loss_rate,
                          std::uint64_t packets) {
  const double losses = design_loss_rate * static_cast<double>(packets);
  return std::min(1.0, a * static_cast<double>(buckets) / (losses + 1.0));
}

Lda::Lda(const LdaConfig& config) : config_(config) {
  config_.validate();
  banks_ = config_.banks();
  m_ = config_.buckets;
  interval_ps_ = config_.interval.count();
  rule_packets_ = config_.expected_packets;
  const std::uint64_t packet_seed = core::mix64(config_.seed ^ kBankSalt);
  hasher_ = PacketHasher(packet_seed);
  for (std::size_t b = 0; b < banks_; ++b)
    bank_keys_.push_back(core::mix64(packet_seed + b + 1));
  for (Slot& s : slots_) {
    s.p.assign(banks_, kNaN);
    s.sender.assign(banks_ * m_, Bucket{});
    s.receiver.assign(banks_ * m_, Bucket{});
  }
  bank_totals_.assign(banks_, LdaBankTotals{});
  latest_placements_.assign(banks_, Placement{});
}

std::int64_t Lda::interval_of(core::Time t) const {
  std::int64_t k = t.count() / interval_ps_;
  if (t.count() % interval_ps_ != 0 && t.count() < 0)
    --k;
  return k;
}

// Bucket and sign come from a second hash of the bank's sampling hash: independent of the
// sampling decision for practical purposes (mix64 is a bijective avalanche mix), and one mix
// instead of a second pass over the flow key. The bucket takes the high bits (multiply-shift
// range reduction, no modulo bias worth the name), the sign the lowest bit.
Lda::Placement Lda::place(std::uint64_t bank_hash) const {
  const std::uint64_t g = core::mix64(bank_hash ^ kBucketSalt);
  return Placement{static_cast<std::uint32_t>((static_cast<core::UInt128>(g) * m_) >> 64),
                   (g & 1) != 0, true};
}

void Lda::add(Bucket* bank, Placement where, std::int64_t t) {
  Bucket& b = bank[where.bucket];
  b.ts += t;
  ++b.count;
  // Without a branch: the sign is a coin flip per packet and bank, which no predictor learns.
  const std::int64_t sign = where.positive ? 1 : -1;
  b.signed_ts += static_cast<core::Int128>(t) * sign;
  b.signed_count += sign;
}

void Lda::open(Slot& s, std::int64_t k) {
  s.index = k;
  s.live = true;
  s.sent = s.received = s.sampled_any = 0;
  for (std::size_t b = 0; b < banks_; ++b) {
    s.p[b] = config_.sampling.empty()
                 ? sampling_rule(config_.a, m_, config_.design_loss_rates[b], rule_packets_)
                 : config_.sampling[b];
  }
}

Lda::Slot& Lda::slot_for_ingress(std::int64_t k) {
  if (!started_) {
    started_ = true;
    first_index_ = next_close_ = newest_ = k;
    open(slots_[k & 1], k);
    return slots_[k & 1];
  }
  if (k == newest_)
    return slots_[k & 1];
  RLISIM_CHECK(k > newest_);  // ingress comes in arrival order
  // Every packet of intervals <= k - 2 has entered and (Estimator ordering) left: close them,
  // oldest first, so intervals_ stays in order.
  for (const std::int64_t c : {newest_ - 1, newest_}) {
    Slot& s = slots_[c & 1];
    if (c <= k - 2 && s.live && s.index == c)
      close(s);
  }
  // The sender's count of the interval just ended drives the next p. An idle interval says
  // nothing about the coming load, so after a gap the last non-empty interval (the newest
  // opened one: only a packet opens an interval) decides. Read before open() reuses its slot.
  rule_packets_ = slots_[newest_ & 1].sent;
  open(slots_[k & 1], k);
  newest_ = k;
  return slots_[k & 1];
}

void Lda::on_ingress(const core::Packet& p, FlowId flow) {
  if (p.kind == core::PacketKind::kReference)
    return;
  RLISIM_CHECK(!finalized_);
  const std::int64_t k = interval_of(p.arrival);
  Slot& s = slot_for_ingress(k);
  ++s.sent;
  // Timestamps relative to the interval start: what a hardware sum of bounded width holds.
  const std::int64_t t = p.arrival.count() - k * interval_ps_;
  const std::uint64_t base = hasher_.at_ingress(p, flow);
  bool sampled = false;
  for (std::size_t b = 0; b < banks_; ++b) {
    const std::uint64_t h = core::mix64(base ^ bank_keys_[b]);
    Placement& where = latest_placements_[b];
    where = hash_selects(h, s.p[b]) ? place(h) : Placement{};
    if (!where.sampled)
      continue;
    sampled = true;
    add(&s.sender[b * m_], where, t);
  }
  s.sampled_any += sampled ? 1 : 0;
}

void Lda::on_egress(const core::Packet& p, FlowId flow, PortId port, core::Time egress_time) {
  (void)port;
  if (p.kind == core::PacketKind::kReference)
    return;
  RLISIM_CHECK(!finalized_);
  // Filed under its ingress interval (the in-band boundary marker it followed).
  const std::int64_t k = interval_of(p.arrival);
  Slot& s = slots_[k & 1];
  RLISIM_CHECK(s.live && s.index == k);
  ++s.received;
  const std::int64_t t = egress_time.count() - k * interval_ps_;
  // The packet of the latest ingress (always, under the router's call order) goes where its
  // ingress went: same hashes, same slot, so the same banks, buckets and signs.
  const bool latest = hasher_.is_latest(p, flow);
  const std::uint64_t base = latest ? 0 : hasher_.at_egress(p, flow);
  for (std::size_t b = 0; b < banks_; ++b) {
    Placement where = latest_placements_[b];
    if (!latest) {
      const std::uint64_t h = core::mix64(base ^ bank_keys_[b]);
      where = hash_selects(h, s.p[b]) ? place(h) : Placement{};
    }
    if (where.sampled)
      add(&s.receiver[b * m_], where, t);
  }
  FlowRecord& r = flows_.ensure(flow, [] { return FlowRecord{}; });
  add_pending(r, k);
}

void Lda::emit_empty(std::int64_t k) {
  LdaInterval iv;
  iv.start = core::Time{k * interval_ps_};
  intervals_.push_back(iv);
  interval_sampling_.insert(interval_sampling_.end(), banks_, kNaN);
}

void Lda::close(Slot& s) {
  while (next_close_ < s.index)
    emit_empty(next_close_++);
  LdaInterval iv;
  iv.start = core::Time{s.index * interval_ps_};
  iv.sent = s.sent;
  iv.received = s.received;
  pair(s, iv);
  intervals_.push_back(iv);
  interval_sampling_.insert(interval_sampling_.end(), s.p.begin(), s.p.end());
  sampled_any_ += s.sampled_any;
  next_close_ = s.index + 1;
  s.live = false;
  std::fill(s.sender.begin(), s.sender.end(), Bucket{});
  std::fill(s.receiver.begin(), s.receiver.end(), Bucket{});
}

void Lda::pair(Slot& s, LdaInterval& out) {
  struct Sums {
    LdaBankTotals totals;
    core::Int128 diff = 0;
  };
  std::vector<Sums> sums(banks_);
  for (std::size_t b = 0; b < banks_; ++b) {
    Sums& bs = sums[b];
    for (std::size_t j = b * m_; j < (b + 1) * m_; ++j) {
      const Bucket& tx = s.sender[j];
      const Bucket& rx = s.receiver[j];
      RLISIM_CHECK(rx.count <= tx.count);  // the receiver only sees packets the sender saw
      bs.totals.sampled += tx.count;
      bs.totals.received += rx.count;
      if (tx.count == 0)
        continue;
      ++bs.totals.occupied_buckets;
      if (rx.count == tx.count) {
        ++bs.totals.usable_buckets;
        bs.totals.usable_packets += tx.count;
        bs.diff += rx.ts - tx.ts;
      }
    }
    LdaBankTotals& run = bank_totals_[b];
    run.sampled += bs.totals.sampled;
    run.received += bs.totals.received;
    run.usable_packets += bs.totals.usable_packets;
    run.usable_buckets += bs.totals.usable_buckets;
    run.occupied_buckets += bs.totals.occupied_buckets;
  }

  // Loss from the bank with the highest p: the most samples, so the smallest variance.
  std::size_t loss_bank = 0;
  for (std::size_t b = 1; b < banks_; ++b) {
    if (s.p[b] > s.p[loss_bank])
      loss_bank = b;
  }
  const LdaBankTotals& lb = sums[loss_bank].totals;
  if (lb.sampled > 0) {
    const auto lost = static_cast<double>(lb.sampled - lb.received);
    out.loss_rate = lost / static_cast<double>(lb.sampled);
    loss_numerator_ += lost / s.p[loss_bank];
    loss_denominator_ += static_cast<double>(lb.sampled) / s.p[loss_bank];
  }

  std::size_t first = 0;
  std::size_t last = banks_;  // chosen banks: [first, last)
  if (config_.bank_choice == BankChoice::kMostUsable) {
    for (std::size_t b = 1; b < banks_; ++b) {
      if (sums[b].totals.usable_packets > sums[first].totals.usable_packets)
        first = b;
    }
    last = first + 1;
  }
  core::Int128 diff = 0;
  for (std::size_t b = first; b < last; ++b) {
    out.sampled += sums[b].totals.sampled;
    out.usable_packets += sums[b].totals.usable_packets;
    out.usable_buckets += sums[b].totals.usable_buckets;
    out.buckets += sums[b].totals.occupied_buckets;
    diff += sums[b].diff;
  }
  if (out.usable_packets == 0)
    return;
  out.chosen_bank =
      config_.bank_choice == BankChoice::kCombine ? kAllBanks : static_cast<std::int32_t>(first);
  delay_moments(s, first, last, diff, out);
  usable_diff_ += diff;
}

void Lda::delay_moments(const Slot& s, std::size_t first, std::size_t last, core::Int128 diff,
                        LdaInterval& out) const {
  const auto usable = static_cast<long double>(out.usable_packets);
  const long double mean = static_cast<long double>(diff) / usable;
  // For a usable bucket Y = sum s (t_r - t_s) = sum s d and Q = sum s. Given the packets in
  // the buckets, the signs are independent with mean 0, so E[(Y - c Q)^2] = sum (d - c)^2:
  // with c = the mean (which does not depend on the signs) the centered form estimates the
  // spread directly, with c = 0 it estimates the second moment.
  long double acc = 0;
  for (std::size_t j = first * m_; j < last * m_; ++j) {
    const Bucket& tx = s.sender[j];
    const Bucket& rx = s.receiver[j];
    if (tx.count == 0 || rx.count != tx.count)
      continue;
    const auto y = static_cast<long double>(rx.signed_ts - tx.signed_ts);
    const long double z = config_.std_method == StdMethod::kCentered
                              ? y - mean * static_cast<long double>(tx.signed_count)
                              : y;
    acc += z * z;
  }
  long double var = acc / usable;
  if (config_.std_method == StdMethod::kSecondMoment)
    var = std::max(0.0L, var - mean * mean);
  out.mean_ps = static_cast<double>(mean);
  out.variance_ps2 = static_cast<double>(var);
  out.std_ps = std::sqrt(out.variance_ps2);
}

void Lda::settle(FlowRecord& r, std::int64_t k, std::uint64_t packets) {
  RLISIM_CHECK(k >= first_index_ && k < next_close_);
  const LdaInterval& iv = intervals_[static_cast<std::size_t>(k - first_index_)];
  if (iv.usable_packets == 0) {
    r.fallback += packets;
    fallback_packets_ += packets;
    return;
  }
  merge_group(r.settled, r.mean, r.squared_deviations, packets, iv.mean_ps, iv.variance_ps2);
}

// A flow's packets arrive in interval order, and when one of interval k arrives, every
// interval <= k - 2 is closed: two pending entries suffice, and the older one can always be
// settled to make room.
void Lda::add_pending(FlowRecord& r, std::int64_t k) {
  ++r.delivered;
  for (int i = 0; i < 2; ++i) {
    if (r.pending_packets[i] != 0 && r.pending_interval[i] == k) {
      ++r.pending_packets[i];
      return;
    }
  }
  int i = 0;
  if (r.pending_packets[0] != 0)
    i = r.pending_packets[1] == 0 || r.pending_interval[1] < r.pending_interval[0] ? 1 : 0;
  if (r.pending_packets[i] != 0)
    settle(r, r.pending_interval[i], r.pending_packets[i]);
  r.pending_interval[i] = k;
  r.pending_packets[i] = 1;
}

void Lda::compute_aggregate() {
  LdaAggregate& a = aggregate_;
  a = LdaAggregate{};
  a.intervals = intervals_.size();
  a.sampled_packets = sampled_any_;
  std::uint64_t n = 0;
  double mean = 0;
  double squared_deviations = 0;
  for (const LdaInterval& iv : intervals_) {
    a.usable_packets += iv.usable_packets;
    a.usable_buckets += iv.usable_buckets;
    a.total_buckets += iv.buckets;
    if (iv.usable_packets == 0) {
      ++a.intervals_without_estimate;
      continue;
    }
    merge_group(n, mean, squared_deviations, iv.usable_packets, iv.mean_ps, iv.variance_ps2);
  }
  if (a.usable_packets > 0) {
    // The exact pooled mean: one integer sum divided once.
    a.mean_ps = static_cast<double>(static_cast<long double>(usable_diff_) /
                                    static_cast<long double>(a.usable_packets));
    a.variance_ps2 = squared_deviations / static_cast<double>(n);
    a.std_ps = std::sqrt(a.variance_ps2);
  }
  if (loss_denominator_ > 0)
    a.loss_rate = loss_numerator_ / loss_denominator_;
}

void Lda::finalize() {
  if (finalized_)
    return;
  if (started_) {
    for (const std::int64_t c : {newest_ - 1, newest_}) {
      Slot& s = slots_[c & 1];
      if (s.live && s.index == c)
        close(s);
    }
  }
  finalized_ = true;
  compute_aggregate();
  for (FlowId f = 0; f < flows_.size(); ++f)
    settle_pending(flows_[f]);
  for (const auto& [serial, record] : on_fallback_) {
    if (const auto e = estimate_of(record))
      late_.push_back({.serial = serial, .estimate = *e});
  }
  on_fallback_ = {};
}

void Lda::settle_pending(FlowRecord& r) {
  const int older = r.pending_interval[1] < r.pending_interval[0] ? 1 : 0;
  for (const int i : {older, 1 - older}) {
    if (r.pending_packets[i] != 0)
      settle(r, r.pending_interval[i], r.pending_packets[i]);
    r.pending_packets[i] = 0;
  }
}

core::Time Lda::settled_through() const {
  if (!started_)
    return core::Time::max();
  // Every interval before next_close_ is closed: a flow whose packets all arrived before it
  // can settle every pending entry.
  return core::Time{next_close_ * interval_ps_ - 1};
}

void Lda::on_flow_final(FlowId flow) {
  if (flow < flows_.size())
    settle_pending(flows_[flow]);
}

bool Lda::estimate_pending(FlowId flow) const {
  return !finalized_ && flow < flows_.size() && flows_[flow].fallback != 0;
}

void Lda::release_flow(FlowId flow) {
  if (flow < flows_.size()) {
    if (estimate_pending(flow)) {
      RLISIM_CHECK(flow_index() != nullptr);  // flows end only in an ObserverSet
      on_fallback_.emplace_back(flow_index()->serial(flow), flows_[flow]);
    }
    flows_[flow] = FlowRecord{};
  }
  hasher_.release_flow(flow);
}

std::vector<LateEstimate> Lda::take_late_estimates() {
  return std::exchange(late_, {});
}

std::optional<FlowDelayEstimate> Lda::estimate(FlowId flow) const {
  if (flow >= flows_.size())
    return std::nullopt;
  const FlowRecord& r = flows_[flow];
  // Before finalize, only a flow settled by on_flow_final and not waiting on the aggregate.
  RLISIM_CHECK(finalized_ ||
               (r.pending_packets[0] == 0 && r.pending_packets[1] == 0 && r.fallback == 0));
  return estimate_of(r);
}

std::optional<FlowDelayEstimate> Lda::estimate_of(const FlowRecord& r) const {
  std::uint64_t n = r.settled;
  double mean = r.mean;
  double squared_deviations = r.squared_deviations;
  if (r.fallback != 0 && aggregate_.usable_packets > 0)
    merge_group(n, mean, squared_deviations, r.fallback, aggregate_.mean_ps,
                aggregate_.variance_ps2);
  if (n == 0)
    return std::nullopt;
  FlowDelayEstimate e;
  e.samples = r.delivered;
  e.mean_ps = mean;
  e.std_ps = std::sqrt(std::max(0.0, squared_deviations / static_cast<double>(n)));
  return e;
}

const LdaAggregate& Lda::aggregate() const {
  RLISIM_CHECK(finalized_);
  return aggregate_;
}

double Lda::sampling_probability(std::size_t interval, std::size_t bank) const {
  RLISIM_CHECK(interval < intervals_.size() && bank < banks_);
  return interval_sampling_[interval * banks_ + bank];
}

EstimatorCost Lda::cost() const {
  const std::uint64_t arrays = banks_ * std::uint64_t{m_} * kBucketStateBytes;
  EstimatorCost c;
  c.state_bytes = 2 * arrays * kLiveIntervals;
  c.export_bytes = intervals_.size() * arrays;
  return c;
}

std::vector<NamedCounter> Lda::counters() const {
  const LdaAggregate& a = aggregate();
  std::vector<NamedCounter> out = {
      {"intervals", static_cast<double>(a.intervals)},
      {"intervals_without_estimate", static_cast<double>(a.intervals_without_estimate)},
      {"sampled_packets", static_cast<double>(a.sampled_packets)},
      {"usable_packets", static_cast<double>(a.usable_packets)},
      {"usable_buckets", static_cast<double>(a.usable_buckets)},
      {"total_buckets", static_cast<double>(a.total_buckets)},
      {"loss_rate", a.loss_rate},
      {"aggregate_mean_ns", a.mean_ps * 1e-3},
      {"aggregate_std_ns", a.std_ps * 1e-3},
  };
  for (std::size_t b = 0; b < banks_; ++b) {
    out.push_back({fmt::format("sampling_bank{}", b),
                   intervals_.empty() ? kNaN : sampling_probability(0, b)});
  }
  out.push_back({"fallback_packets", static_cast<double>(fallback_packets_)});
  return out;
}

}  // namespace rlisim::models::lda
