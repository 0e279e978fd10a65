#pragma once
// Typed exceptions for bad input, and an always-on invariant check.

#include <stdexcept>
#include <string>

namespace rlisim::core {

/// A configuration problem: the message names the key (and line, when known) and what was
/// expected.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A trace (capture) problem: the message names the file, the record index or byte offset, and
/// what was expected.
class TraceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Broken internal invariant: a bug in rlisim, never bad user input.
class InvariantError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] void fail_check(const char* expr, const char* file, int line);

}  // namespace rlisim::core

/// Cheap always-on invariant check; throws InvariantError naming the expression and location.
#define RLISIM_CHECK(expr) \
  ((expr) ? static_cast<void>(0) : ::rlisim::core::fail_check(#expr, __FILE__, __LINE__))
