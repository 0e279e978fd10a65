// The gzip pump thread: clean shutdown on early destruction, whatever it is blocked on.

#include <cstdlib>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include "tests/traces/pcap/pcap_test_util.hpp"
#include "traces/pcap/inflate_guard.hpp"
#include "traces/pcap/pcap_reader.hpp"

namespace rlisim::traces {
namespace {

using test::Bytes;

// A gzip capture far larger than the pipe between pump and parser (about 13 MB unpacked).
class GzipThread : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    std::vector<test::Record> records;
    records.reserve(200'000);
    for (int i = 0; i < 200'000; ++i) {
      records.push_back(
          {i * 100,
           test::ipv4({.protocol = 17, .src_port = static_cast<std::uint16_t>(i), .payload = 1000}),
           std::nullopt});
    }
    test::write_pcap(dir_->file("big.pcap"), 12, records, 48);
    test::write_file(dir_->file("big.pcap.gz"),
                     test::gzip(test::read_file(dir_->file("big.pcap"))));
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string big_gz() { return dir_->file("big.pcap.gz"); }
  static test::TempDir* dir_;
};
test::TempDir* GzipThread::dir_ = nullptr;

TEST_F(GzipThread, DestroyingTheReaderAfterOnePacketDoesNotHang) {
  for (int round = 0; round < 20; ++round) {
    PcapReader reader(big_gz());
    core::Packet p;
    ASSERT_TRUE(reader.next(p));
    EXPECT_EQ(p.flow.src_port, 0);
    EXPECT_EQ(p.wire_bytes, 1028u);
  }  // the pump is blocked on a full pipe here; the destructor must wake and join it
}

TEST_F(GzipThread, DestroyingTheReaderRightAfterOpeningDoesNotHang) {
  for (int round = 0; round < 20; ++round)
    PcapReader reader(big_gz());
}

TEST_F(GzipThread, ReadsTheWholeFileWithProgressUpToOne) {
  PcapReader reader(big_gz());
  core::Packet p;
  std::uint64_t n = 0;
  double last = 0;
  while (reader.next(p)) {
    if (++n % 50'000 == 0) {
      const double now = reader.progress().value_or(-1);
      EXPECT_GE(now, last);
      last = now;
    }
    ASSERT_EQ(p.flow.src_port, static_cast<std::uint16_t>(n - 1));
  }
  EXPECT_EQ(n, 200'000u);
  EXPECT_EQ(reader.progress(), 1.0);
  EXPECT_EQ(reader.counters().short_records, 200'000u);
}

TEST_F(GzipThread, DestroyingWhileThePumpWaitsForMoreInputDoesNotHang) {
  // A gzip stream on a pipe whose writer stays open: flushed data can be read, then the pump
  // blocks waiting for input that never comes.
  test::TempDir dir;
  std::vector<test::Record> records;
  for (int i = 0; i < 10; ++i)
    records.push_back({i, test::ipv4()});
  test::write_pcap(dir.file("few.pcap"), 12, records);
  const Bytes plain = test::read_file(dir.file("few.pcap"));
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(plain.size() + 1024);
  z.next_in = const_cast<Bytef*>(plain.data());
  z.avail_in = static_cast<uInt>(plain.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  ASSERT_EQ(deflate(&z, Z_SYNC_FLUSH), Z_OK);  // everything so far, stream not finished
  out.resize(z.total_out);
  deflateEnd(&z);

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::write(fds[1], out.data(), out.size()), static_cast<ssize_t>(out.size()));
  {
    PcapReader reader(fds[0], "open pipe");
    core::Packet p;
    for (int i = 0; i < 10; ++i)
      ASSERT_TRUE(reader.next(p));
  }  // must return although the writer is still open
  ::close(fds[1]);
  ::close(fds[0]);
}

// zlib allocation hooks that count the blocks still alive.
struct ZlibHeap {
  int live = 0;
};

voidpf counting_alloc(voidpf opaque, uInt items, uInt size) {
  void* p = std::calloc(items, size);
  if (p != nullptr)
    ++static_cast<ZlibHeap*>(opaque)->live;
  return p;
}

void counting_free(voidpf opaque, voidpf address) {
  --static_cast<ZlibHeap*>(opaque)->live;
  std::free(address);
}

TEST(InflateGuard, FreesTheZlibStateWhenAnExceptionLeavesTheScope) {
  ZlibHeap heap;
  const Bytes packed = test::gzip(Bytes(100'000, 7));
  Bytes out(4096);
  try {
    z_stream z{};
    z.zalloc = counting_alloc;
    z.zfree = counting_free;
    z.opaque = &heap;
    ASSERT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
    const InflateGuard guard(z);
    z.next_in = const_cast<Bytef*>(packed.data());
    z.avail_in = static_cast<uInt>(packed.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    ASSERT_EQ(inflate(&z, Z_NO_FLUSH), Z_OK);
    ASSERT_GE(heap.live, 2) << "the inflate state and its window";
    throw std::runtime_error("the consumer failed mid-stream");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(heap.live, 0);
}

}  // namespace
}  // namespace rlisim::traces
