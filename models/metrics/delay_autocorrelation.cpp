#include "models/metrics/delay_autocorrelation.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace rlisim::models {

DelayAutocorrelation::DelayAutocorrelation(std::vector<std::uint32_t> packet_lags,
                                           std::vector<core::Time> time_lags)
    : packet_lags_(std::move(packet_lags)),
      time_lags_(std::move(time_lags)),
      by_time_(time_lags_.size()),
      partner_(time_lags_.size(), 0) {
  std::sort(packet_lags_.begin(), packet_lags_.end());
  packet_lags_.erase(std::unique(packet_lags_.begin(), packet_lags_.end()), packet_lags_.end());
  by_packets_.resize(packet_lags_.size());
  if (!packet_lags_.empty() && packet_lags_.front() == 0)
    throw std::invalid_argument("delay autocorrelation: packet lags must be >= 1");
  const std::uint32_t longest = packet_lags_.empty() ? 0 : packet_lags_.back();
  for (std::size_t i = 0; i < time_lags_.size(); ++i) {
    if (time_lags_[i].count() <= 0 || (i > 0 && time_lags_[i] <= time_lags_[i - 1]))
      throw std::invalid_argument("delay autocorrelation: time lags must be > 0 and increasing");
  }
  // A power of two, so that a slot is a mask, not a division, for every lag of every packet.
  ring_.assign(std::bit_ceil(std::size_t{longest} + 1), 0.0);
}

void DelayAutocorrelation::add(core::Time departure, double delay_ps) {
  if (!shifted_) {
    shift_ = delay_ps;
    shifted_ = true;
  }
  const double x = delay_ps - shift_;
  const std::uint64_t index = n_;  // of this packet
  ++n_;
  sum_ += x;
  sum_sq_ += x * x;

  const std::size_t mask = ring_.size() - 1;
  for (std::size_t k = 0; k < packet_lags_.size(); ++k) {
    const std::uint32_t lag = packet_lags_[k];
    if (index < lag)
      continue;
    const double earlier = ring_[(index - lag) & mask];
    PairSums& s = by_packets_[k];
    ++s.pairs;
    s.a += earlier;
    s.b += x;
    s.ab += earlier * x;
  }
  ring_[index & mask] = x;

  if (time_lags_.empty())
    return;
  const std::int64_t now = departure.count();
  // This packet goes in first, as a sentinel that departs after every limit, followed by
  // kSentinels more: no partner search passes it, so the search needs no bounds check.
  const std::size_t slot = store(x);
  const std::int64_t* departures = departures_.data();
  for (std::size_t k = 0; index > 0 && k < time_lags_.size(); ++k) {
    const std::int64_t limit = now - time_lags_[k].count();
    // Advance to the first packet that departed after the limit. Departures come in order, so
    // a partner moves about one packet per packet, and the departures at or before the limit
    // among the next three are exactly the steps up to three: three independent loads and no
    // branch (a mispredicted branch per lag and packet was most of this function's time),
    // then a loop for the rare longer jumps.
    std::size_t partner = partner_[k];
    const std::size_t steps = static_cast<std::size_t>(departures[partner] <= limit) +
                              static_cast<std::size_t>(departures[partner + 1] <= limit) +
                              static_cast<std::size_t>(departures[partner + 2] <= limit);
    partner += steps;
    if (steps == 3) {
      while (departures[partner] <= limit)
        ++partner;
    }
    partner_[k] = partner;
    if (partner == 0)
      continue;
    const double earlier = values_[partner - 1];
    PairSums& s = by_time_[k];
    ++s.pairs;
    s.a += earlier;
    s.b += x;
    s.ab += earlier * x;
  }
  departures_[slot] = now;
}

std::size_t DelayAutocorrelation::store(double value) {
  if (stored_ + 1 + kSentinels > departures_.size()) {
    // Only packets that a later packet can still pair with stay: from the partner of the
    // longest lag (the furthest back) on.
    const std::size_t drop = partner_.back() == 0 ? 0 : partner_.back() - 1;
    std::copy(departures_.begin() + static_cast<std::ptrdiff_t>(drop),
              departures_.begin() + static_cast<std::ptrdiff_t>(stored_), departures_.begin());
    std::copy(values_.begin() + static_cast<std::ptrdiff_t>(drop),
              values_.begin() + static_cast<std::ptrdiff_t>(stored_), values_.begin());
    stored_ -= drop;
    for (std::size_t& partner : partner_)
      partner -= drop;
    // At most half full after compacting, so copies stay O(1) per packet.
    if (2 * (stored_ + 1 + kSentinels) > departures_.size()) {
      const std::size_t size = std::max<std::size_t>(1024, 2 * departures_.size());
      departures_.resize(size);
      values_.resize(size);
    }
  }
  const std::size_t slot = stored_++;
  values_[slot] = value;
  for (std::size_t i = 0; i <= kSentinels; ++i)
    departures_[slot + i] = std::numeric_limits<std::int64_t>::max();
  return slot;
}

double DelayAutocorrelation::correlation(const PairSums& s) const {
  if (s.pairs == 0 || n_ < 2)
    return std::numeric_limits<double>::quiet_NaN();
  const double n = static_cast<double>(n_);
  const double m = sum_ / n;
  const double v = sum_sq_ / n - m * m;
  if (!(v > 0))
    return std::numeric_limits<double>::quiet_NaN();
  const double pairs = static_cast<double>(s.pairs);
  const double covariance = (s.ab - m * (s.a + s.b)) / pairs + m * m;
  return covariance / v;
}

double DelayAutocorrelation::at_packet_lag(std::size_t i) const {
  return correlation(by_packets_.at(i));
}

double DelayAutocorrelation::at_time_lag(std::size_t i) const {
  return correlation(by_time_.at(i));
}

template <typename Lag>
double DelayAutocorrelation::interpolated(const std::vector<Lag>& lags,
                                          const std::vector<PairSums>& sums, double x,
                                          double (*to_double)(Lag)) const {
  if (!(x > 0))
    return std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; i < lags.size(); ++i) {
    const double hi = to_double(lags[i]);
    if (x > hi)
      continue;
    if (x == hi)
      return correlation(sums[i]);
    if (i == 0)
      break;
    const double lo = to_double(lags[i - 1]);
    const double w = std::log(x / lo) / std::log(hi / lo);
    return (1 - w) * correlation(sums[i - 1]) + w * correlation(sums[i]);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

double DelayAutocorrelation::at_packets(double packets) const {
  return interpolated<std::uint32_t>(packet_lags_, by_packets_, packets,
                                     [](std::uint32_t lag) { return static_cast<double>(lag); });
}

double DelayAutocorrelation::at_time(double seconds) const {
  return interpolated<core::Time>(time_lags_, by_time_, seconds,
                                  [](core::Time lag) { return core::to_seconds(lag); });
}

std::vector<core::Time> DelayAutocorrelation::log_spaced(core::Time first, core::Time last,
                                                         int per_decade) {
  std::vector<core::Time> lags;
  const double lo = std::log10(static_cast<double>(first.count()));
  const double hi = std::log10(static_cast<double>(last.count()));
  const int steps = static_cast<int>(std::lround((hi - lo) * per_decade));
  for (int i = 0; i <= steps; ++i) {
    const auto ps = std::llround(std::pow(10.0, lo + (hi - lo) * i / std::max(steps, 1)));
    if (lags.empty() || ps > lags.back().count())
      lags.push_back(core::Time{ps});
  }
  return lags;
}

}  // namespace rlisim::models
