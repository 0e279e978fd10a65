// PcapFraming on its own: the verdict (first defect, its record and byte offset) must not depend
// on how the stream is cut into chunks, whichever path (whole records in a chunk, or headers and
// data split across chunks) each record takes.

#include "traces/pcap/pcap_framing.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/traces/pcap/pcap_test_util.hpp"

namespace rlisim::traces {
namespace {

using test::Bytes;
using test::PcapBytes;

struct Verdict {
  std::uint64_t first_bad_record;
  std::string error;
  std::uint64_t bytes_seen;
};

Verdict check_in_chunks(const Bytes& stream, std::size_t chunk) {
  PcapFraming framing;
  for (std::size_t at = 0; at < stream.size(); at += chunk)
    framing.feed(stream.data() + at, std::min(chunk, stream.size() - at));
  framing.finish();
  return {framing.first_bad_record(), framing.error(), framing.bytes_seen()};
}

// The classic pcap variants the check must read alike: byte order, timestamp resolution, and
// the 24-byte record headers of the patched (Kuznetzov) format.
struct Format {
  const char* name;
  bool big_endian = false;
  std::uint32_t magic = 0xa1b2c3d4;
  std::uint32_t largest_fraction = 999'999;
  std::size_t extra_header_bytes = 0;
};
const Format kFormats[] = {
    {.name = "little-endian microsecond"},
    {.name = "big-endian microsecond", .big_endian = true},
    {.name = "nanosecond", .magic = 0xa1b23c4d, .largest_fraction = 999'999'999},
    {.name = "24-byte record headers", .magic = 0xa1b2cd34, .extra_header_bytes = 8},
};

// Records of sizes 0 to 96 bytes, each with the largest valid timestamp fraction; record `bad`
// (1-based) gets `bad_caplen`/`bad_len` instead. Returns the stream and the byte offset of every
// record header (index 0 unused).
std::pair<Bytes, std::vector<std::size_t>> stream_of(const Format& format, int records, int bad = 0,
                                                     std::uint32_t bad_caplen = 0,
                                                     std::uint32_t bad_len = 0) {
  PcapBytes pcap(96, 101, format.big_endian, format.magic);
  std::vector<std::size_t> offsets{0};
  const Bytes extra(format.extra_header_bytes, 0);
  for (int r = 1; r <= records; ++r) {
    offsets.push_back(pcap.bytes().size());
    const auto size = static_cast<std::uint32_t>((r * 37) % 97);
    Bytes data = extra;  // the 24-byte variant's header tail, then the captured bytes
    data.resize(extra.size() + (r == bad ? bad_caplen : size), static_cast<std::uint8_t>(r));
    if (r == bad)
      pcap.record(1, format.largest_fraction, bad_caplen, bad_len, data);
    else
      pcap.record(1, format.largest_fraction, size, size + 10, data);
  }
  return {pcap.bytes(), offsets};
}

constexpr std::size_t kChunks[] = {1, 2, 3, 7, 15, 16, 17, 24, 40, 63, 64, 100, 1000, 1 << 20};

TEST(PcapFraming, AcceptsAValidStreamWhateverTheChunkSize) {
  for (const Format& format : kFormats) {
    const auto [stream, offsets] = stream_of(format, 200);
    for (const std::size_t chunk : kChunks) {
      const Verdict v = check_in_chunks(stream, chunk);
      EXPECT_EQ(v.first_bad_record, PcapFraming::kNoError)
          << format.name << ", chunk " << chunk << ": " << v.error;
      EXPECT_EQ(v.bytes_seen, stream.size());
    }
  }
}

TEST(PcapFraming, NamesTheSameBadRecordAndOffsetWhateverTheChunkSize) {
  // caplen over snaplen at record 150: every record before it passes, whichever path it takes.
  for (const Format& format : kFormats) {
    const auto [stream, offsets] = stream_of(format, 200, 150, 120, 120);
    const std::string where = "record 150 (1-based record number in the file, byte offset " +
                              std::to_string(offsets[150]) + ")";
    for (const std::size_t chunk : kChunks) {
      const Verdict v = check_in_chunks(stream, chunk);
      EXPECT_EQ(v.first_bad_record, 150u) << format.name << ", chunk " << chunk;
      EXPECT_NE(v.error.find(where), std::string::npos)
          << format.name << ", chunk " << chunk << ": " << v.error;
      EXPECT_NE(v.error.find("exceeds the file's snaplen 96"), std::string::npos) << v.error;
    }
  }
}

TEST(PcapFraming, RejectsAFractionOfOneSecondInTheFastPathToo) {
  // A fraction one past the largest: in a microsecond file 1'000'000 is out of range.
  PcapBytes pcap(96);
  for (int r = 0; r < 100; ++r)
    pcap.record(1, r == 70 ? 1'000'000 : 999'999, 40, 40, Bytes(40, 0));
  for (const std::size_t chunk : kChunks) {
    const Verdict v = check_in_chunks(pcap.bytes(), chunk);
    EXPECT_EQ(v.first_bad_record, 71u) << "chunk " << chunk;
    EXPECT_NE(v.error.find("timestamp fraction (ts_usec) 1000000 is out of range"),
              std::string::npos)
        << v.error;
  }
}

TEST(PcapFraming, NamesATruncatedLastRecordWhateverTheChunkSize) {
  auto [stream, offsets] = stream_of(kFormats[0], 60);
  // Record 60 has (60 * 37) % 97 = 86 captured bytes; cut the last 5.
  stream.resize(stream.size() - 5);
  for (const std::size_t chunk : kChunks) {
    const Verdict v = check_in_chunks(stream, chunk);
    EXPECT_EQ(v.first_bad_record, 60u) << "chunk " << chunk;
    EXPECT_NE(v.error.find("byte offset " + std::to_string(offsets[60]) + ")"), std::string::npos)
        << v.error;
    EXPECT_NE(v.error.find("announces 86 captured bytes but the file ends after 81"),
              std::string::npos)
        << v.error;
  }
}

TEST(PcapFraming, RepairsSwappedLengthsOfOldFilesWhateverTheChunkSize) {
  // Versions before 2.3 may hold caplen and len swapped; libpcap swaps them back, and so does
  // the check, so this stream is valid.
  PcapBytes pcap(65535, 101, false, 0xa1b2c3d4, 2, 2);
  for (int r = 0; r < 50; ++r)
    pcap.record(1, 0, r % 2 ? 60 : 40, 40, Bytes(40, 0));  // odd records: caplen 60 > len 40
  for (const std::size_t chunk : kChunks) {
    const Verdict v = check_in_chunks(pcap.bytes(), chunk);
    EXPECT_EQ(v.first_bad_record, PcapFraming::kNoError) << "chunk " << chunk << ": " << v.error;
  }
}

}  // namespace
}  // namespace rlisim::traces
