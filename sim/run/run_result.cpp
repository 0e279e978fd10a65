#include "sim/run/run_result.hpp"

#include "sim/core/int128.hpp"

namespace rlisim::run {

core::Time arrival_window(core::Time first, core::Time last, std::uint64_t packets) {
  if (packets < 2)
    return core::Time{0};
  const auto span = static_cast<core::Int128>((last - first).count());
  return core::Time{static_cast<std::int64_t>(span * packets / (packets - 1))};
}

}  // namespace rlisim::run
