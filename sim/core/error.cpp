#include "sim/core/error.hpp"

#include <fmt/format.h>

namespace rlisim::core {

void fail_check(const char* expr, const char* file, int line) {
  throw InvariantError(fmt::format("internal check failed: {} at {}:{}", expr, file, line));
}

}  // namespace rlisim::core
