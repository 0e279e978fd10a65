// The small text parsers every file and option goes through: durations, rates and sizes (with
// and without units), `--shard K/N`, and kernel event names. The whole input is given to each.
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/core/units.hpp"
#include "sim/sweep/sweep_spec.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "traces/tracefs/tracefs_reader.hpp"

namespace {

// The value of `text` if it is a bare number (what a quantity without a unit means).
std::optional<double> bare_number(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

// A parsed bare number must be the number written, to double precision.
void check_bare(std::string_view text, double scale, std::optional<double> parsed,
                const char* what) {
  const auto written = bare_number(text);
  if (!written || !parsed)
    return;
  const double expected = *written * scale;
  if (std::fabs(*parsed - expected) > 1e-9 * std::fabs(expected) + 0.5) {
    rlisim::fuzz::finding(std::string(what) + " '" + std::string(text) + "' parsed as " +
                          std::to_string(*parsed) + ", not " + std::to_string(expected));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace core = rlisim::core;
  const std::string_view text = rlisim::fuzz::as_text(data, size);
  std::size_t sum = 0;

  const auto duration = core::try_parse_duration(text);
  if (duration) {
    if (duration->count() < 0)
      rlisim::fuzz::finding("negative duration from '" + std::string(text) + "'");
    sum += core::format_duration(*duration).size();
  }
  check_bare(text, 1e12, duration ? std::optional<double>(duration->count()) : std::nullopt,
             "duration");

  const auto rate = core::try_parse_rate(text);
  if (rate)
    sum += core::format_rate(static_cast<double>(rate->value)).size();
  check_bare(text, 1, rate ? std::optional<double>(rate->value) : std::nullopt, "rate");

  const auto bytes = core::try_parse_bytes(text);
  check_bare(text, 1, bytes ? std::optional<double>(bytes->value) : std::nullopt, "size");

  rlisim::fuzz::expect_input_errors([&] {
    const auto shard = rlisim::sweep::parse_shard(std::string(text));
    if (shard.index >= shard.count)
      rlisim::fuzz::finding("shard index beyond its count from '" + std::string(text) + "'");
  });

  if (const auto kind = rlisim::traces::parse_kernel_event_kind(text))
    sum += rlisim::traces::to_string(*kind).size();

  rlisim::fuzz::keep(static_cast<double>(sum));
  return 0;
}
