#pragma once
// Validates the record framing of a classic pcap byte stream as it streams past, catching what
// libpcap silently repairs or accepts (caplen over snaplen, a timestamp fraction out of range)
// and naming the exact record of every defect.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

namespace rlisim::traces {

/// Largest wire length (pcap `len`) accepted, bytes; larger values mean a corrupt record.
inline constexpr std::uint32_t kMaxWireBytes = 262144;

/// The container format, as told by the first four bytes.
enum class CaptureFormat : std::uint8_t { kUnknown, kPcap, kPcapNg };

/// Incremental checker of classic pcap framing: file header, then (record header, data)*.
/// It sees the bytes in the order libpcap will read them, so the first defect it finds is at
/// or after every record libpcap has returned. pcapng input is only identified (libpcap
/// validates its blocks itself). Not thread-safe; feed from one thread.
class PcapFraming {
 public:
  static constexpr std::uint64_t kNoError = std::numeric_limits<std::uint64_t>::max();

  /// Checks the next `size` bytes of the stream. Stops checking after the first defect.
  void feed(const std::uint8_t* data, std::size_t size);
  /// Declares the end of the stream: reports an empty file or a truncated header or record.
  void finish();

  /// 1-based record number of the first defect (0: the file header), or kNoError.
  std::uint64_t first_bad_record() const { return bad_record_; }
  /// What is wrong, naming the record (1-based), its byte offset and what was expected; empty
  /// if nothing is.
  const std::string& error() const { return error_; }

  CaptureFormat format() const { return format_; }
  /// Snapshot length from the pcap file header (0 until it has been read, or for pcapng).
  std::uint32_t header_snaplen() const { return header_snaplen_; }
  /// True if the pcap file has nanosecond timestamps (magic 0xa1b23c4d).
  bool nanosecond_file() const { return nanosecond_; }
  /// Bytes fed so far.
  std::uint64_t bytes_seen() const { return offset_; }

 private:
  enum class Phase : std::uint8_t { kFileHeader, kRecordHeader, kRecordData, kDone };

  void parse_magic();
  void parse_file_header(const std::uint8_t* h);
  void parse_record_header(const std::uint8_t* h);
  // Timestamp fractions must be below this: 10^9 in a nanosecond file, 10^6 otherwise.
  std::uint32_t fraction_limit() const;
  // Every check a record header must pass (lengths already repaired for old versions).
  bool acceptable(std::uint32_t fraction, std::uint32_t caplen, std::uint32_t len) const;
  void skip_valid_records(const std::uint8_t*& data, std::size_t& size);
  void fail(std::uint64_t record, std::string message);
  std::uint32_t field(const std::uint8_t* p) const;

  Phase phase_ = Phase::kFileHeader;
  CaptureFormat format_ = CaptureFormat::kUnknown;
  bool swapped_ = false;
  bool nanosecond_ = false;
  bool old_minor_ = false;  // version 2.0-2.2: caplen and len may be swapped, as libpcap fixes
  std::uint32_t record_header_size_ = 16;
  std::uint32_t header_snaplen_ = 0;
  std::uint32_t snaplen_limit_ = kMaxWireBytes;
  std::uint8_t pending_[24] = {};
  std::uint32_t pending_size_ = 0;
  std::uint32_t record_caplen_ = 0;
  std::uint32_t record_remaining_ = 0;
  std::uint64_t record_offset_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t offset_ = 0;
  std::uint64_t bad_record_ = kNoError;
  std::string error_;
};

}  // namespace rlisim::traces
