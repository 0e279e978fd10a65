#pragma once
// 128-bit integers (a GCC/Clang extension) for exact sums of squared picosecond delays and
// overflow-free rate arithmetic.

namespace rlisim::core {
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;
}  // namespace rlisim::core
