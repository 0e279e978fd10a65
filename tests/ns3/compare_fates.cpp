// Compares per-packet fates and delays of rlisim runs with ns-3's (ns3_fifo_replay output), and
// explains the differences under rlisim's exact timing by replaying the same arrivals through
// net::OutputPort with each of ns-3's two conventions switched on alone.
//
// Usage: compare_fates NS3.csv RLISIM_NS3_TIMING.csv RLISIM_EXACT_TIMING.csv RATE_BPS
//                      QUEUE_PACKETS MIN_DROPS
// Exit 0 when the rlisim run with timing = "ns3" matches ns-3 on every packet, the trace has
// at least MIN_DROPS drops and the exact-timing run's mismatches are all explained by the two
// conventions (the replay with both conventions matches, and reproduces the run's count);
// 1 otherwise.

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/core/time.hpp"
#include "sim/net/output_port.hpp"

namespace {

using rlisim::net::OutputPort;
using rlisim::net::OutputPortConfig;
using rlisim::net::SerializationRounding;
using rlisim::net::TieOrder;

struct Fate {
  std::int64_t arrival_ps = 0;
  std::uint32_t bytes = 0;
  bool dropped = false;
  std::int64_t delay_ps = 0;
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, ','))
    fields.push_back(field);
  if (!line.empty() && line.back() == ',')
    fields.emplace_back();
  return fields;
}

// Rows in file order; `columns` names the arrival, bytes, dropped and delay columns and
// `to_ps` the unit of the times.
std::vector<Fate> read_fates(const std::string& path, const std::vector<std::string>& columns,
                             std::int64_t to_ps) {
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error(path + ": cannot open");
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = split(line);
  std::vector<std::size_t> index;
  for (const std::string& name : columns) {
    std::size_t i = 0;
    while (i < header.size() && header[i] != name)
      ++i;
    if (i == header.size())
      throw std::runtime_error(path + ": no column '" + name + "'");
    index.push_back(i);
  }
  std::vector<Fate> fates;
  while (std::getline(in, line)) {
    const std::vector<std::string> f = split(line);
    if (f.size() != header.size())
      throw std::runtime_error(path + ": malformed row " + std::to_string(fates.size() + 1));
    Fate fate;
    fate.arrival_ps = std::stoll(f[index[0]]) * to_ps;
    fate.bytes = static_cast<std::uint32_t>(std::stoul(f[index[1]]));
    fate.dropped = f[index[2]] == "1";
    if (!fate.dropped)
      fate.delay_ps = std::stoll(f[index[3]]) * to_ps;
    fates.push_back(fate);
  }
  return fates;
}

struct Mismatches {
  std::uint64_t fate = 0;   // dropped in one, delivered in the other
  std::uint64_t delay = 0;  // delivered in both, different delays
  std::uint64_t total() const { return fate + delay; }
};

// Counts differences against the reference; throws if the packets themselves differ.
Mismatches compare(const std::vector<Fate>& reference, const std::vector<Fate>& other,
                   const std::string& what) {
  if (reference.size() != other.size()) {
    throw std::runtime_error(what + ": " + std::to_string(other.size()) + " packets, ns-3 has " +
                             std::to_string(reference.size()));
  }
  Mismatches m;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const Fate& r = reference[i];
    const Fate& o = other[i];
    if (r.arrival_ps != o.arrival_ps || r.bytes != o.bytes) {
      throw std::runtime_error(what + ": packet " + std::to_string(i) +
                               " differs in arrival or size from ns-3's");
    }
    if (r.dropped != o.dropped) {
      ++m.fate;
    } else if (!r.dropped && r.delay_ps != o.delay_ps) {
      ++m.delay;
    }
  }
  return m;
}

// The same arrivals through one port with the given conventions (the router of the run adds
// nothing: no processing delay, no propagation, one port).
std::vector<Fate> replay(const std::vector<Fate>& arrivals, std::uint64_t rate_bps,
                         std::uint64_t queue_packets, TieOrder tie,
                         SerializationRounding rounding) {
  OutputPortConfig config;
  config.rate = rlisim::core::BitsPerSecond{rate_bps};
  config.buffer.packets = queue_packets;
  config.buffer.count_in_service = false;
  config.tie_order = tie;
  config.serialization_rounding = rounding;
  OutputPort port(config);
  std::vector<Fate> fates = arrivals;
  for (Fate& f : fates) {
    const auto verdict = port.offer(rlisim::core::Time{f.arrival_ps}, f.bytes);
    f.dropped = !verdict.accepted;
    f.delay_ps = verdict.accepted ? (verdict.departure.count() - f.arrival_ps) : 0;
  }
  return fates;
}

void print(const char* what, const Mismatches& m) {
  std::printf("  %-44s %8llu  (fate %llu, delay only %llu)\n", what,
              static_cast<unsigned long long>(m.total()), static_cast<unsigned long long>(m.fate),
              static_cast<unsigned long long>(m.delay));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr,
                 "usage: %s NS3.csv RLISIM_NS3_TIMING.csv RLISIM_EXACT_TIMING.csv RATE_BPS "
                 "QUEUE_PACKETS MIN_DROPS\n",
                 argv[0]);
    return 2;
  }
  try {
    const std::uint64_t rate = std::stoull(argv[4]);
    const std::uint64_t queue = std::stoull(argv[5]);
    const std::uint64_t min_drops = std::stoull(argv[6]);
    const std::vector<std::string> ns3_columns = {"arrival_ns", "bytes", "dropped", "delay_ns"};
    const std::vector<std::string> rlisim_columns = {"arrival_ps", "bytes", "dropped", "delay_ps"};
    const std::vector<Fate> ns3 = read_fates(argv[1], ns3_columns, 1000);
    const std::vector<Fate> with_ns3_timing = read_fates(argv[2], rlisim_columns, 1);
    const std::vector<Fate> with_exact_timing = read_fates(argv[3], rlisim_columns, 1);

    std::uint64_t drops = 0;
    for (const Fate& f : ns3)
      drops += f.dropped ? 1 : 0;
    // Arrivals at the very instant a transmission ends, and those ns-3 dropped: where the
    // order of the two events decides.
    std::vector<std::int64_t> departures;
    for (const Fate& f : ns3) {
      if (!f.dropped)
        departures.push_back(f.arrival_ps + f.delay_ps);
    }
    std::uint64_t ties = 0;
    std::uint64_t tie_drops = 0;
    std::size_t d = 0;
    for (const Fate& f : ns3) {
      while (d < departures.size() && departures[d] < f.arrival_ps)
        ++d;
      if (d < departures.size() && departures[d] == f.arrival_ps) {
        ++ties;
        tie_drops += f.dropped ? 1 : 0;
      }
    }

    const Mismatches ns3_timing = compare(ns3, with_ns3_timing, argv[2]);
    const Mismatches exact_timing = compare(ns3, with_exact_timing, argv[3]);
    using R = SerializationRounding;
    const Mismatches ties_only = compare(
        ns3, replay(ns3, rate, queue, TieOrder::kArrivalFirst, R::kCeilPicoseconds), "replay");
    const Mismatches rounding_only = compare(
        ns3, replay(ns3, rate, queue, TieOrder::kDepartureFirst, R::kNs3Nanoseconds), "replay");
    const std::vector<Fate> exact_replay =
        replay(ns3, rate, queue, TieOrder::kDepartureFirst, R::kCeilPicoseconds);
    const Mismatches neither = compare(ns3, exact_replay, "replay");
    const Mismatches both = compare(
        ns3, replay(ns3, rate, queue, TieOrder::kArrivalFirst, R::kNs3Nanoseconds), "replay");
    // The port alone must give what the whole exact-timing run gave, packet for packet.
    const Mismatches run_vs_replay = compare(with_exact_timing, exact_replay, "replay");

    std::printf("ns-3 cross-check: %zu packets, %llu dropped by ns-3 (%.3f %%)\n", ns3.size(),
                static_cast<unsigned long long>(drops), 100.0 * drops / ns3.size());
    std::printf("  arrivals tying with a departure in ns-3: %llu, of which ns-3 dropped %llu\n",
                static_cast<unsigned long long>(ties), static_cast<unsigned long long>(tie_drops));
    std::printf("mismatches against ns-3 (packets):\n");
    print("rlisim run, timing = \"ns3\"", ns3_timing);
    print("rlisim run, timing = \"exact\"", exact_timing);
    print("port replay, both rlisim conventions", neither);
    print("port replay, only ns-3's tie order", ties_only);
    print("port replay, only ns-3's rounding", rounding_only);
    print("port replay, both ns-3 conventions", both);

    bool ok = true;
    if (ns3_timing.total() != 0) {
      std::printf("FAIL: timing = \"ns3\" differs from ns-3\n");
      ok = false;
    }
    if (drops < min_drops) {
      std::printf(
          "FAIL: only %llu drops, fewer than %llu: the check would not exercise the "
          "buffer\n",
          static_cast<unsigned long long>(drops), static_cast<unsigned long long>(min_drops));
      ok = false;
    }
    if (both.total() != 0 || run_vs_replay.total() != 0) {
      std::printf(
          "FAIL: the port replay does not reproduce the runs, so the exact-timing "
          "differences are not explained by the two conventions alone\n");
      ok = false;
    }
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compare_fates: %s\n", e.what());
    return 1;
  }
}
