#pragma once
// How numbers are spelled in flows.csv and the text summary.

#include <cstdint>
#include <string>

namespace rlisim::run {

/// `v` with three decimals, the text fmt's "{:.3f}" gives (correctly rounded, ties to even),
/// appended; written without fmt's general float formatting, which was the larger part of
/// writing flows.csv.
void append_fixed3(std::string& out, double v);

/// Nanoseconds with picosecond resolution; empty when undefined (no delivered packet).
std::string ns_field(double ps);

/// |estimate - truth| / truth; empty when either is undefined or the truth is 0.
std::string relative_error_field(double estimate, double truth);

/// A comma and the field, appended: what a flows.csv row is built of, without a string per
/// field (a run writes one row per flow, hundreds of thousands of them).
void append_ns_field(std::string& row, double ps);
void append_relative_error_field(std::string& row, double estimate, double truth);
/// A comma and an integer.
void append_count_field(std::string& row, std::uint64_t n);

/// A duration in its natural unit ("12.5 us"); "-" when undefined.
std::string format_ps(double ps);

}  // namespace rlisim::run
