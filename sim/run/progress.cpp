#include "sim/run/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace rlisim::run {

TerminalProgress::TerminalProgress(std::FILE* stream, std::chrono::milliseconds interval)
    : stream_(stream),
      enabled_(stream != nullptr && isatty(fileno(stream)) == 1),
      interval_(interval),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void TerminalProgress::update(std::uint64_t packets, core::Time sim_time,
                              std::optional<double> fraction) {
  if (!enabled_)
    return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < interval_)
    return;
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(packets) / elapsed : 0.0;
  std::string line = fmt::format("\r  {:.3f} s simulated, {} packets, {:.2f} Mpkt/s",
                                 core::to_seconds(sim_time), packets, rate * 1e-6);
  if (fraction && *fraction > 0) {
    const double eta = elapsed * (1.0 - *fraction) / *fraction;
    line += fmt::format(", {:.1f} %, ETA {:.0f} s", *fraction * 100.0, eta);
  }
  fmt::print(stream_, "{}   ", line);
  std::fflush(stream_);
  printed_ = true;
}

void TerminalProgress::done() {
  if (printed_) {
    fmt::print(stream_, "\r{:80}\r", "");
    std::fflush(stream_);
  }
}

}  // namespace rlisim::run
