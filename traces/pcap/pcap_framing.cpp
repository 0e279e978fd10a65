#include "traces/pcap/pcap_framing.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace rlisim::traces {
namespace {

constexpr std::uint32_t kFileHeaderSize = 24;
constexpr std::uint32_t kMagicMicro = 0xa1b2c3d4;
constexpr std::uint32_t kMagicNano = 0xa1b23c4d;
constexpr std::uint32_t kMagicKuznetzov = 0xa1b2cd34;  // patched pcap with 24-byte records
constexpr std::uint32_t kMagicPcapNg = 0x0a0d0d0a;
constexpr std::uint32_t kMicrosecondsPerSecond = 1'000'000;
constexpr std::uint32_t kNanosecondsPerSecond = 1'000'000'000;

std::uint32_t read_le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

}  // namespace

std::uint32_t PcapFraming::field(const std::uint8_t* p) const {
  const std::uint32_t v = read_le32(p);
  return swapped_ ? __builtin_bswap32(v) : v;
}

std::uint32_t PcapFraming::fraction_limit() const {
  return nanosecond_ ? kNanosecondsPerSecond : kMicrosecondsPerSecond;
}

bool PcapFraming::acceptable(std::uint32_t fraction, std::uint32_t caplen,
                             std::uint32_t len) const {
  return len != 0 && len <= kMaxWireBytes && caplen <= len && caplen <= snaplen_limit_ &&
         fraction < fraction_limit();
}

void PcapFraming::fail(std::uint64_t record, std::string message) {
  bad_record_ = record;
  error_ = std::move(message);
  phase_ = Phase::kDone;
}

void PcapFraming::parse_magic() {
  const std::uint32_t magic = read_le32(pending_);
  const std::uint32_t swapped = __builtin_bswap32(magic);
  if (magic == kMagicPcapNg) {
    // libpcap checks pcapng blocks (including caplen against the interface snaplen) itself.
    format_ = CaptureFormat::kPcapNg;
    phase_ = Phase::kDone;
    return;
  }
  for (const std::uint32_t known : {kMagicMicro, kMagicNano, kMagicKuznetzov}) {
    if (magic == known || swapped == known) {
      format_ = CaptureFormat::kPcap;
      swapped_ = swapped == known;
      nanosecond_ = known == kMagicNano;
      record_header_size_ = known == kMagicKuznetzov ? 24 : 16;
      return;
    }
  }
  const char* hint = (pending_[0] == 0x1f && pending_[1] == 0x8b)
                         ? " (gzip data inside the decompressed stream: compressed twice?)"
                         : "";
  fail(0, fmt::format("not a pcap or pcapng file: the first bytes are {:02x} {:02x} {:02x} {:02x}"
                      "{}; expected a pcap magic number (a1b2c3d4 or a1b23c4d, either byte "
                      "order), pcapng (0a0d0d0a) or gzip (1f8b)",
                      pending_[0], pending_[1], pending_[2], pending_[3], hint));
}

void PcapFraming::parse_file_header(const std::uint8_t* h) {
  const std::uint32_t version = field(h + 4);
  // The two 16-bit version fields are swapped as a pair when the whole word is swapped.
  const std::uint32_t major = swapped_ ? (version >> 16) : (version & 0xffff);
  const std::uint32_t minor = swapped_ ? (version & 0xffff) : (version >> 16);
  if (major != 2) {
    fail(0, fmt::format("unsupported pcap file format version {}.{} in the file header; "
                        "expected 2.x",
                        major, minor));
    return;
  }
  old_minor_ = minor < 3;
  header_snaplen_ = field(h + 16);
  // libpcap reads a snaplen of 0 or above the maximum as "no limit"; so do we.
  snaplen_limit_ =
      (header_snaplen_ == 0 || header_snaplen_ > kMaxWireBytes) ? kMaxWireBytes : header_snaplen_;
  phase_ = Phase::kRecordHeader;
}

void PcapFraming::parse_record_header(const std::uint8_t* h) {
  ++records_;
  record_offset_ = offset_;
  // The fraction is checked here, on the raw field: libpcap opened with nanosecond precision
  // multiplies a microsecond file's fraction by 1000, so an overflowing value would be
  // indistinguishable from a valid one after scaling, and it never rejects either.
  const std::uint32_t fraction = field(h + 4);
  std::uint32_t caplen = field(h + 8);
  std::uint32_t len = field(h + 12);
  if (old_minor_ && caplen > len)
    std::swap(caplen, len);
  if (acceptable(fraction, caplen, len)) {
    record_caplen_ = caplen;
    record_remaining_ = caplen;
    phase_ = caplen == 0 ? Phase::kRecordHeader : Phase::kRecordData;
    return;
  }
  // Name the first check that failed.
  const auto where = [&] {
    return fmt::format("record {} (1-based record number in the file, byte offset {})", records_,
                       record_offset_);
  };
  if (len == 0) {
    fail(records_,
         fmt::format("{}: wire length (len) is 0; expected 1 to {} bytes", where(), kMaxWireBytes));
  } else if (len > kMaxWireBytes) {
    fail(records_, fmt::format("{}: wire length (len) {} bytes is absurd; expected at most {}",
                               where(), len, kMaxWireBytes));
  } else if (caplen > len) {
    fail(records_, fmt::format("{}: captured length (caplen) {} exceeds the wire length (len) "
                               "{}; expected caplen <= len",
                               where(), caplen, len));
  } else if (caplen > snaplen_limit_) {
    fail(records_, fmt::format("{}: captured length (caplen) {} exceeds the file's snaplen {}; "
                               "expected caplen <= snaplen",
                               where(), caplen, snaplen_limit_));
  } else {
    fail(records_,
         fmt::format("{}: timestamp fraction {} {} is out of range; expected 0 to {} in a {} "
                     "file (a larger value would silently shift the time by whole seconds)",
                     where(), nanosecond_ ? "(ts_nsec)" : "(ts_usec)", fraction,
                     fraction_limit() - 1, nanosecond_ ? "nanosecond" : "microsecond"));
  }
}

void PcapFraming::skip_valid_records(const std::uint8_t*& data, std::size_t& size) {
  // The common case, kept tight: records whose header passes every check of
  // parse_record_header(), each header and data wholly in this chunk (a chunk holds hundreds).
  // It stops at the first record that needs more: a header that fails a check or needs the
  // version 2.0-2.2 repair (parse_record_header() then names the defect), or a record that
  // continues in the next chunk.
  const std::uint32_t header_size = record_header_size_;
  const std::uint8_t* p = data;
  std::size_t left = size;
  while (left >= header_size) {
    const std::uint32_t fraction = field(p + 4);
    const std::uint32_t caplen = field(p + 8);
    const std::uint32_t len = field(p + 12);
    if (!acceptable(fraction, caplen, len) || left - header_size < caplen)
      break;
    ++records_;
    p += header_size + caplen;
    left -= header_size + caplen;
  }
  const std::size_t taken = size - left;
  offset_ += taken;
  data = p;
  size = left;
}

void PcapFraming::feed(const std::uint8_t* data, std::size_t size) {
  while (size > 0 && phase_ != Phase::kDone) {
    switch (phase_) {
      case Phase::kFileHeader: {
        const auto take = static_cast<std::uint32_t>(
            std::min<std::size_t>(kFileHeaderSize - pending_size_, size));
        const bool had_magic = pending_size_ >= 4;
        std::memcpy(pending_ + pending_size_, data, take);
        pending_size_ += take;
        data += take;
        size -= take;
        offset_ += take;
        if (!had_magic && pending_size_ >= 4)
          parse_magic();
        if (phase_ == Phase::kFileHeader && pending_size_ == kFileHeaderSize) {
          parse_file_header(pending_);
          pending_size_ = 0;
        }
        break;
      }
      case Phase::kRecordHeader: {
        if (pending_size_ == 0 && size >= record_header_size_) {
          // Fast path: the whole header is in this chunk.
          skip_valid_records(data, size);
          if (size < record_header_size_)
            break;
          parse_record_header(data);
          data += record_header_size_;
          size -= record_header_size_;
          offset_ += record_header_size_;
          break;
        }
        const auto take = static_cast<std::uint32_t>(
            std::min<std::size_t>(record_header_size_ - pending_size_, size));
        std::memcpy(pending_ + pending_size_, data, take);
        pending_size_ += take;
        data += take;
        size -= take;
        offset_ += take;
        if (pending_size_ == record_header_size_) {
          pending_size_ = 0;
          // The header's offset is where it began, not where it was completed.
          offset_ -= record_header_size_;
          parse_record_header(pending_);
          offset_ += record_header_size_;
        }
        break;
      }
      case Phase::kRecordData: {
        const auto take =
            static_cast<std::uint32_t>(std::min<std::size_t>(record_remaining_, size));
        record_remaining_ -= take;
        data += take;
        size -= take;
        offset_ += take;
        if (record_remaining_ == 0)
          phase_ = Phase::kRecordHeader;
        break;
      }
      case Phase::kDone:
        break;
    }
  }
  offset_ += size;  // bytes after a defect or in pcapng pass-through
}

void PcapFraming::finish() {
  switch (phase_) {
    case Phase::kFileHeader:
      if (offset_ == 0) {
        fail(0, "the file is empty; expected a pcap or pcapng file header");
      } else {
        fail(0, fmt::format("truncated file header: the file ends after {} bytes; a pcap file "
                            "header has {} bytes",
                            offset_, kFileHeaderSize));
      }
      break;
    case Phase::kRecordHeader:
      if (pending_size_ > 0) {
        fail(
            records_ + 1,
            fmt::format("record {} (1-based record number in the file, byte offset {}): "
                        "truncated record header: the file ends after {} of its {} bytes",
                        records_ + 1, offset_ - pending_size_, pending_size_, record_header_size_));
      }
      break;
    case Phase::kRecordData:
      fail(records_,
           fmt::format("record {} (1-based record number in the file, byte offset {}): "
                       "truncated record: its header announces {} captured bytes but the file "
                       "ends after {}",
                       records_, record_offset_, record_caplen_,
                       record_caplen_ - record_remaining_));
      break;
    case Phase::kDone:
      break;
  }
}

}  // namespace rlisim::traces
