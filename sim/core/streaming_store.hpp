#pragma once
// Stores that bypass the cache, for buffers that are written now and read back much later.

#include <cstddef>
#include <cstring>
#include <type_traits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace rlisim::core {

/// Writes the bytes of `value` to `words` (sizeof(T) / 8 words) with non-temporal stores on
/// x86-64, plain stores elsewhere. For write-once buffers that are read back only after more
/// data than the cache holds has gone by: ordinary stores would bring every destination line
/// into the cache and evict lines the program still needs. The writing thread reads the words
/// back as usual (memcpy into a T); another thread may read them only once the writing thread
/// has called stream_fence() and handed them over (through a mutex, say).
template <typename T>
void stream_store(long long* words, const T& value) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) % sizeof(long long) == 0,
                "streamed as whole 8-byte words");
  static_assert(std::has_unique_object_representations_v<T>,
                "no padding: every streamed byte must hold a value");
  long long w[sizeof(T) / sizeof(long long)];
  std::memcpy(w, &value, sizeof(T));
  for (std::size_t i = 0; i < sizeof(T) / sizeof(long long); ++i) {
#if defined(__x86_64__)
    _mm_stream_si64(words + i, w[i]);
#else
    words[i] = w[i];
#endif
  }
}

/// Orders earlier stream_store() writes before later stores (for hand-over to another thread).
inline void stream_fence() {
#if defined(__x86_64__)
  _mm_sfence();
#endif
}

}  // namespace rlisim::core
