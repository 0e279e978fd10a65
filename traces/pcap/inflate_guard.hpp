#pragma once
// Scope guard that ends a zlib inflate stream, so no exit path leaks zlib's state and window.

#include <zlib.h>

namespace rlisim::traces {

/// Calls inflateEnd() on a z_stream when the guard leaves scope, whether by return, break or
/// exception. Construct it immediately after a successful inflateInit2() on the same stream;
/// inflateReset() in between is fine. Not copyable or movable: it refers to the stream.
class InflateGuard {
 public:
  explicit InflateGuard(z_stream& stream) : stream_(stream) {}
  ~InflateGuard() { inflateEnd(&stream_); }
  InflateGuard(const InflateGuard&) = delete;
  InflateGuard& operator=(const InflateGuard&) = delete;

 private:
  z_stream& stream_;
};

}  // namespace rlisim::traces
