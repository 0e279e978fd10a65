// read_ping_log: replies with their Unix timestamps (ping -D), and timestamps it cannot hold.

#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "sim/container/measure.hpp"
#include "sim/core/error.hpp"

namespace rlisim::container {
namespace {

std::string write_log(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("rlisim-ping-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path) << text;
  return path.string();
}

constexpr const char* kHeader = "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n";

TEST(PingLog, ReadsTimestampedReplies) {
  const auto path = write_log(
      "ok.txt",
      std::string(kHeader) +
          "[1700000000.123456] 64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.052 ms\n");
  const auto log = read_ping_log(path);
  ASSERT_EQ(log.replies.size(), 1u);
  EXPECT_EQ(log.replies[0].seq, 1);
  EXPECT_EQ(log.replies[0].realtime_ns, 1'700'000'000'123'456'000);
  std::filesystem::remove(path);
}

TEST(PingLog, TimestampsBeyondInt64NanosecondsNameTheLine) {
  const auto path = write_log(
      "far.txt", std::string(kHeader) +
                     "[99999999999999.5] 64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.05 ms\n");
  try {
    read_ping_log(path);
    ADD_FAILURE() << "no error";
  } catch (const core::TraceError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("line 2: timestamp [99999999999999.5]"));
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace rlisim::container
