#pragma once
// How numbers are spelled in flows.csv and the text summary.

#include <string>

namespace rlisim::run {

/// Nanoseconds with picosecond resolution; empty when undefined (no delivered packet).
std::string ns_field(double ps);

/// |estimate - truth| / truth; empty when either is undefined or the truth is 0.
std::string relative_error_field(double estimate, double truth);

/// A duration in its natural unit ("12.5 us"); "-" when undefined.
std::string format_ps(double ps);

}  // namespace rlisim::run
