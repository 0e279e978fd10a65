// Queueing-theory oracles: M/D/1 and M/G/1 (Pollaczek-Khinchine) mean sojourn, with a
// tolerance derived from the run's own statistical error (batch means).

#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "sim/core/rng.hpp"
#include "sim/core/units.hpp"
#include "sim/net/output_port.hpp"
#include "sim/net/router.hpp"

namespace rlisim::net {
namespace {

using core::Time;

struct SizeMix {
  std::vector<std::uint32_t> bytes;
  std::vector<double> probability;
};

struct Theory {
  double mean_service_ps;
  double mean_sojourn_ps;  // Wq + E[S] + fixed delay
};

// Pollaczek-Khinchine, with the service times the port really uses (integer ps).
Theory pollaczek_khinchine(const SizeMix& mix, core::BitsPerSecond rate, double rho, Time fixed) {
  double es = 0;
  double es2 = 0;
  for (std::size_t i = 0; i < mix.bytes.size(); ++i) {
    const auto s =
        static_cast<double>(core::serialization_time(core::Bytes{mix.bytes[i]}, rate).count());
    es += mix.probability[i] * s;
    es2 += mix.probability[i] * s * s;
  }
  const double lambda = rho / es;
  const double wq = lambda * es2 / (2 * (1 - rho));
  return {es, wq + es + static_cast<double>(fixed.count())};
}

struct BatchMeans {
  double mean;
  double standard_error;
};

// Batch means: the run is cut into kBatches consecutive batches; with batches far longer than
// the queue's relaxation time (a few thousand packets at rho = 0.9) the batch means are nearly
// independent, so their spread gives the standard error of the overall mean.
class BatchAccumulator {
 public:
  static constexpr std::size_t kBatches = 50;
  explicit BatchAccumulator(std::uint64_t packets) : per_batch_(packets / kBatches) {}
  void add(double v) {
    sum_ += v;
    if (++in_batch_ == per_batch_) {
      means_.push_back(sum_ / static_cast<double>(per_batch_));
      sum_ = 0;
      in_batch_ = 0;
    }
  }
  BatchMeans result() const {
    double m = 0;
    for (const double x : means_)
      m += x;
    m /= static_cast<double>(means_.size());
    double ss = 0;
    for (const double x : means_)
      ss += (x - m) * (x - m);
    const double sd = std::sqrt(ss / static_cast<double>(means_.size() - 1));
    return {m, sd / std::sqrt(static_cast<double>(means_.size()))};
  }

 private:
  std::uint64_t per_batch_;
  std::uint64_t in_batch_ = 0;
  double sum_ = 0;
  std::vector<double> means_;
};

// Poisson arrivals with sizes drawn from the mix. Arrival times are accumulated in double ps
// and rounded to the nearest ps: each arrival moves by at most 0.5 ps, against interarrival
// times of hundreds of ns and sojourns of microseconds, i.e. a relative effect below 1e-6,
// three orders of magnitude under the statistical error tested here.
class PoissonSource {
 public:
  PoissonSource(std::uint64_t seed, const SizeMix& mix, double mean_gap_ps)
      : rng_(core::make_rng(seed, 1)), mix_(mix), mean_gap_ps_(mean_gap_ps) {}
  void next(Time& arrival, std::uint32_t& bytes) {
    t_ += core::exponential(rng_, mean_gap_ps_);
    arrival = Time{std::llround(t_)};
    double u = core::uniform01(rng_);
    std::size_t i = 0;
    while (i + 1 < mix_.bytes.size() && u >= mix_.probability[i])
      u -= mix_.probability[i++];
    bytes = mix_.bytes[i];
  }

 private:
  std::mt19937_64 rng_;
  SizeMix mix_;
  double mean_gap_ps_;
  double t_ = 0;
};

constexpr std::uint64_t kWarmup = 20'000;  // discarded: the run starts with an empty queue

void check(const BatchMeans& got, const Theory& theory, double max_relative_se) {
  const double rel_err = (got.mean - theory.mean_sojourn_ps) / theory.mean_sojourn_ps;
  ::testing::Test::RecordProperty("relative_error_ppm", static_cast<int>(rel_err * 1e6));
  ::testing::Test::RecordProperty(
      "relative_se_ppm", static_cast<int>(got.standard_error / theory.mean_sojourn_ps * 1e6));
  // The test has teeth only if the run is long enough for a small standard error.
  EXPECT_LT(got.standard_error, max_relative_se * theory.mean_sojourn_ps);
  EXPECT_NEAR(got.mean, theory.mean_sojourn_ps, 4 * got.standard_error)
      << "theory " << theory.mean_sojourn_ps << " ps, measured " << got.mean << " ps, SE "
      << got.standard_error << " ps";
}

// Mean sojourn through a bare OutputPort with an infinite buffer.
BatchMeans run_port(const SizeMix& mix, double rho, std::uint64_t packets, std::uint64_t seed) {
  OutputPort port(OutputPortConfig{});
  const Theory t = pollaczek_khinchine(mix, port.config().rate, rho, Time{0});
  PoissonSource source(seed, mix, t.mean_service_ps / rho);
  BatchAccumulator batches(packets);
  Time arrival;
  std::uint32_t bytes = 0;
  for (std::uint64_t i = 0; i < kWarmup + packets; ++i) {
    source.next(arrival, bytes);
    const PortVerdict v = port.offer(arrival, bytes);
    if (i >= kWarmup)
      batches.add(static_cast<double>((v.departure - arrival).count()));
  }
  EXPECT_EQ(port.counters().dropped_packets, 0u);
  return batches.result();
}

const SizeMix kFixed1500{{1500}, {1.0}};
// The anchor mix (anchors.md §1-2): 40 / 576 / 1500 B at 0.50 / 0.25 / 0.25.
const SizeMix kAnchorMix{{40, 576, 1500}, {0.5, 0.25, 0.25}};

TEST(QueueingOracle, MD1MeanSojournAtHalfLoad) {
  // M/D/1, 1500 B at 10 Gb/s: S = 1.2 us, T = S + rho S / (2 (1 - rho)) = 1.8 us.
  const Theory t =
      pollaczek_khinchine(kFixed1500, core::BitsPerSecond{10'000'000'000ULL}, 0.5, Time{0});
  EXPECT_DOUBLE_EQ(t.mean_sojourn_ps, 1'800'000);
  check(run_port(kFixed1500, 0.5, 4'000'000, 11), t, 0.002);
}

TEST(QueueingOracle, MD1MeanSojournAtNinetyPercentLoad) {
  // T = 1.2 us + 0.9 * 1.2 / 0.2 us = 6.6 us.
  const Theory t =
      pollaczek_khinchine(kFixed1500, core::BitsPerSecond{10'000'000'000ULL}, 0.9, Time{0});
  EXPECT_DOUBLE_EQ(t.mean_sojourn_ps, 6'600'000);
  check(run_port(kFixed1500, 0.9, 20'000'000, 12), t, 0.01);
}

TEST(QueueingOracle, MG1AnchorMixAtHalfLoad) {
  const Theory t =
      pollaczek_khinchine(kAnchorMix, core::BitsPerSecond{10'000'000'000ULL}, 0.5, Time{0});
  check(run_port(kAnchorMix, 0.5, 4'000'000, 13), t, 0.003);
}

// The anchor figure through the whole Router: 10 Gb/s, rho = 0.9, 1 us of propagation,
// T = 5.747 us (anchors.md §2).
TEST(QueueingOracle, MG1AnchorFigureThroughTheRouter) {
  RouterConfig config;
  config.egress[0].propagation = core::microseconds(1);
  config.egress[0].buffer.packets = 1'000'000;  // large enough never to drop at rho = 0.9
  Router router(config);
  const double rho = 0.9;
  const Theory t =
      pollaczek_khinchine(kAnchorMix, config.egress[0].rate, rho, core::microseconds(1));
  EXPECT_NEAR(t.mean_sojourn_ps, 5'747'000, 1'000);  // the published worked example
  constexpr std::uint64_t kPackets = 20'000'000;
  PoissonSource source(14, kAnchorMix, t.mean_service_ps / rho);
  BatchAccumulator batches(kPackets);
  core::Packet p;
  p.flow = core::FlowKey::ipv4(0x0a000001, 0x0a000002, 1, 2, 17);
  for (std::uint64_t i = 0; i < kWarmup + kPackets; ++i) {
    source.next(p.arrival, p.wire_bytes);
    p.seq = i;
    const PacketFate f = router.process(p);
    ASSERT_FALSE(f.dropped);
    if (i >= kWarmup)
      batches.add(static_cast<double>(f.delay().count()));
  }
  check(batches.result(), t, 0.01);
}

}  // namespace
}  // namespace rlisim::net
