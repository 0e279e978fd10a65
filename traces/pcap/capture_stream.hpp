#pragma once
// The byte stream behind a pcap reader: a plain file read directly, or gzip data gunzipped by
// a pump thread; every byte passes the classic-pcap framing check on its way to libpcap.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "traces/pcap/gzip_pump.hpp"
#include "traces/pcap/pcap_framing.hpp"

namespace rlisim::traces {

/// Opens a capture input and detects gzip by its magic bytes (1f 8b), never by the name.
/// Regular files that are not gzip are read on the caller's thread with no copy beyond stdio's;
/// gzip input is decompressed by a GzipPump thread. Pipes and terminals (standard input) are
/// sniffed for the gzip magic too; plain data from them is read directly.
class CaptureStream {
 public:
  /// Opens `path`, or standard input for "-". `name` names the input in messages.
  /// @throws core::TraceError naming the input if it cannot be opened or is a directory.
  static std::unique_ptr<CaptureStream> open(const std::string& path, const std::string& name);

  /// Reads from `fd`, which this object takes ownership of (from its current offset).
  /// @throws core::TraceError naming the input.
  CaptureStream(int fd, std::string name);
  ~CaptureStream();
  CaptureStream(const CaptureStream&) = delete;
  CaptureStream& operator=(const CaptureStream&) = delete;

  /// A stdio stream over the input for pcap_fopen_offline(). The caller closes it (pcap_close
  /// does); this object must outlive it. Call at most once.
  /// @throws core::TraceError if the stream cannot be created.
  std::FILE* make_file();

  const PcapFraming& framing() const { return framing_; }
  /// Why the input failed (read error, corrupt or truncated gzip), without the input's name;
  /// empty if it has not.
  const std::string& failure() const { return failure_; }
  bool gzip() const { return pump_ != nullptr; }
  /// Input size in bytes (compressed size for gzip) if known (regular files).
  std::optional<std::uint64_t> size() const { return size_; }
  /// Fraction of the input consumed, from the bytes read (compressed bytes for gzip).
  std::optional<double> progress() const;

 private:
  static ssize_t cookie_read(void* cookie, char* buffer, std::size_t size);
  static int cookie_close(void* cookie);
  ssize_t read_some(char* buffer, std::size_t size);

  std::string name_;
  int fd_ = -1;                       // owned plain input; -1 when the pump owns the input
  int source_fd_ = -1;                // where read_some() reads: fd_ or the pump's pipe
  std::vector<std::uint8_t> prefix_;  // sniffed bytes of a non-seekable plain input
  std::size_t prefix_pos_ = 0;
  std::unique_ptr<GzipPump> pump_;
  std::optional<std::uint64_t> size_;
  std::uint64_t consumed_ = 0;
  bool eof_ = false;
  PcapFraming framing_;
  std::string failure_;
  std::unique_ptr<char[]> stdio_buffer_;
};

}  // namespace rlisim::traces
