#include <vector>

#include <gtest/gtest.h>

#include "sim/core/error.hpp"
#include "sim/core/packet_source.hpp"

namespace rlisim::core {
namespace {

// A source replaying fixed arrival times (ps).
class ListSource final : public PacketSource {
 public:
  explicit ListSource(std::vector<std::int64_t> times) : times_(std::move(times)) {}
  bool next(Packet& out) override {
    if (i_ == times_.size())
      return false;
    out = Packet{};
    out.arrival = Time{times_[i_++]};
    out.wire_bytes = 100;
    return true;
  }
  std::string describe() const override { return "list"; }

 private:
  std::vector<std::int64_t> times_;
  std::size_t i_ = 0;
};

std::vector<std::unique_ptr<PacketSource>> sources(
    std::initializer_list<std::vector<std::int64_t>> lists) {
  std::vector<std::unique_ptr<PacketSource>> out;
  for (const auto& l : lists)
    out.push_back(std::make_unique<ListSource>(l));
  return out;
}

TEST(SourceMerger, OrdersByTimeThenSourceThenSequence) {
  SourceMerger merger(sources({{5, 10, 10}, {0, 10, 20}, {10}}));
  std::vector<std::tuple<std::int64_t, int, std::uint64_t>> got;
  Packet p;
  while (merger.next(p))
    got.emplace_back(p.arrival.count(), p.source, p.seq);
  const std::vector<std::tuple<std::int64_t, int, std::uint64_t>> want = {
      {0, 1, 0}, {5, 0, 0}, {10, 0, 1}, {10, 0, 2}, {10, 1, 1}, {10, 2, 0}, {20, 1, 2}};
  EXPECT_EQ(got, want);
}

TEST(SourceMerger, HandlesEmptySources) {
  SourceMerger merger(sources({{}, {3}, {}}));
  Packet p;
  ASSERT_TRUE(merger.next(p));
  EXPECT_EQ(p.source, 1);
  EXPECT_FALSE(merger.next(p));
}

TEST(SourceMerger, RejectsASourceGoingBackInTime) {
  SourceMerger merger(sources({{10, 5}}));
  Packet p;
  try {
    while (merger.next(p)) {
    }
    FAIL() << "expected a TraceError";
  } catch (const TraceError& e) {
    EXPECT_NE(std::string(e.what()).find("list: packet 1 at 5 ps precedes"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace rlisim::core

namespace rlisim::core {
namespace {

// Fails on its second read, after delivering one packet.
class FailingSource final : public PacketSource {
 public:
  bool next(Packet& out) override {
    if (reads_++ == 0) {
      out = Packet{};
      out.arrival = Time{1};
      return true;
    }
    throw TraceError("failing: record 2 is truncated");
  }
  std::string describe() const override { return "failing"; }

 private:
  int reads_ = 0;
};

TEST(SourceMerger, DeliversThePacketReadBeforeASourceFailsThenReportsTheError) {
  std::vector<std::unique_ptr<PacketSource>> s;
  s.push_back(std::make_unique<FailingSource>());
  s.push_back(std::make_unique<ListSource>(std::vector<std::int64_t>{5}));
  SourceMerger merger(std::move(s));
  Packet p;
  ASSERT_TRUE(merger.next(p));
  EXPECT_EQ(p.arrival.count(), 1);
  EXPECT_EQ(p.source, 0);
  EXPECT_THROW(merger.next(p), TraceError);
}

}  // namespace
}  // namespace rlisim::core
