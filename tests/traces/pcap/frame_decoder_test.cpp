// Frame decoding on hand-built byte arrays: every expected key is written out from the specs.

#include "traces/pcap/frame_decoder.hpp"

#include <memory>
#include <random>

#include <gtest/gtest.h>

#include "tests/traces/pcap/pcap_test_util.hpp"

namespace rlisim::traces {
namespace {

using test::Bytes;
using test::Ipv4Spec;
using test::Ipv6Spec;

struct Decoded {
  SkipReason reason;
  core::FlowKey key;
  std::uint8_t flags;
};

Decoded decode(LinkKind kind, const Bytes& frame, std::optional<std::uint32_t> caplen = {},
               std::optional<std::uint32_t> wire = {}, const DecodeOptions& options = {}) {
  Decoded d{};
  const std::uint32_t cap = caplen.value_or(static_cast<std::uint32_t>(frame.size()));
  // An exact-size heap copy, so that any read past caplen is caught by the sanitizers.
  auto copy = std::make_unique<std::uint8_t[]>(cap == 0 ? 1 : cap);
  std::copy(frame.begin(), frame.begin() + cap, copy.get());
  d.reason =
      decode_frame(kind, copy.get(), cap, wire.value_or(static_cast<std::uint32_t>(frame.size())),
                   options, d.key, d.flags);
  return d;
}

TEST(FrameDecoder, DecodesIpv4TcpFiveTuple) {
  const Ipv4Spec s{.src = {192, 0, 2, 1},
                   .dst = {198, 51, 100, 7},
                   .protocol = 6,
                   .src_port = 443,
                   .dst_port = 51000};
  const Decoded d = decode(LinkKind::kRaw, test::ipv4(s));
  EXPECT_EQ(d.reason, SkipReason::kNone);
  EXPECT_EQ(d.key, core::FlowKey::ipv4(0xc0000201, 0xc6336407, 443, 51000, 6));
  EXPECT_EQ(d.flags, 0);
}

TEST(FrameDecoder, DecodesIpv6UdpFiveTuple) {
  const Ipv6Spec s{.protocol = 17, .src_port = 5353, .dst_port = 53};
  const Decoded d = decode(LinkKind::kIpv6, test::ipv6(s));
  EXPECT_EQ(d.reason, SkipReason::kNone);
  EXPECT_EQ(d.key, test::key_of(s));
  EXPECT_EQ(d.key.src_string(), "2001:db8::1");
}

TEST(FrameDecoder, SkipsIpv6ExtensionHeadersToTheTransportHeader) {
  const Ipv6Spec s{.extensions = {0, 43, 60, 51}, .protocol = 6, .src_port = 22, .dst_port = 40000};
  const Decoded d = decode(LinkKind::kRaw, test::ipv6(s));
  EXPECT_EQ(d.reason, SkipReason::kNone);
  EXPECT_EQ(d.key.protocol, 6);
  EXPECT_EQ(d.key.src_port, 22);
  EXPECT_EQ(d.key.dst_port, 40000);
}

TEST(FrameDecoder, EspEndsIpv6ParsingWithPortsZero) {
  const Ipv6Spec s{.extensions = {0}, .protocol = 50, .payload = 32};
  const Decoded d = decode(LinkKind::kRaw, test::ipv6(s));
  EXPECT_EQ(d.reason, SkipReason::kNone);
  EXPECT_EQ(d.key.protocol, 50);
  EXPECT_EQ(d.key.src_port, 0);
  EXPECT_EQ(d.key.dst_port, 0);
}

TEST(FrameDecoder, IcmpHasPortsZero) {
  const Decoded v4 = decode(LinkKind::kRaw, test::ipv4({.protocol = 1}));
  EXPECT_EQ(v4.reason, SkipReason::kNone);
  EXPECT_EQ(v4.key, test::key_of(Ipv4Spec{.protocol = 1}));
  EXPECT_EQ(v4.key.src_port + v4.key.dst_port, 0);
  const Decoded v6 = decode(LinkKind::kRaw, test::ipv6({.extensions = {0}, .protocol = 58}));
  EXPECT_EQ(v6.key.protocol, 58);
  EXPECT_EQ(v6.key.src_port + v6.key.dst_port, 0);
}

TEST(FrameDecoder, SctpDccpAndUdpLiteCarryPorts) {
  for (const std::uint8_t protocol : {132, 33, 136}) {
    const Ipv4Spec s{.protocol = protocol, .src_port = 7, .dst_port = 9};
    const Decoded d = decode(LinkKind::kIpv4, test::ipv4(s));
    EXPECT_EQ(d.key.src_port, 7) << int{protocol};
    EXPECT_EQ(d.key.dst_port, 9) << int{protocol};
  }
}

TEST(FrameDecoder, Ipv4FragmentsAllGetPortsZeroByDefault) {
  const Ipv4Spec first{.protocol = 17, .fragment_field = 0x2000};  // MF, offset 0
  const Ipv4Spec later{.protocol = 17, .fragment_field = 185};     // offset 1480 B, last
  const Decoded a = decode(LinkKind::kRaw, test::ipv4(first));
  const Decoded b = decode(LinkKind::kRaw, test::ipv4(later));
  EXPECT_EQ(a.key, test::key_of(first, false));
  EXPECT_EQ(b.key, test::key_of(later, false));
  EXPECT_EQ(a.key, b.key) << "fragments of one datagram share one flow";
  EXPECT_EQ(a.flags, DecodeFlags::kFirstFragment);
  EXPECT_EQ(b.flags, DecodeFlags::kLaterFragment);
}

TEST(FrameDecoder, FirstFragmentKeepsPortsWhenAsked) {
  const DecodeOptions options{.first_fragment_ports = true};
  const Ipv4Spec first{.protocol = 6, .fragment_field = 0x2000};
  EXPECT_EQ(decode(LinkKind::kRaw, test::ipv4(first), {}, {}, options).key, test::key_of(first));
  const Ipv6Spec first6{.extensions = {44}, .protocol = 6, .more_fragments = true};
  const Decoded d6 = decode(LinkKind::kRaw, test::ipv6(first6), {}, {}, options);
  EXPECT_EQ(d6.key, test::key_of(first6));
  EXPECT_EQ(d6.flags, DecodeFlags::kFirstFragment);
}

TEST(FrameDecoder, Ipv6FragmentsGetPortsZeroAndAreFlagged) {
  const Ipv6Spec later{.extensions = {0, 44}, .protocol = 17, .fragment_offset = 10};
  const Decoded d = decode(LinkKind::kRaw, test::ipv6(later));
  EXPECT_EQ(d.reason, SkipReason::kNone);
  EXPECT_EQ(d.key, test::key_of(later, false));
  EXPECT_EQ(d.flags, DecodeFlags::kLaterFragment);
  const Ipv6Spec first{.extensions = {44}, .protocol = 17, .more_fragments = true};
  EXPECT_EQ(decode(LinkKind::kRaw, test::ipv6(first)).flags, DecodeFlags::kFirstFragment);
}

TEST(FrameDecoder, EthernetTagsOfAnyDepthAreSkipped) {
  const Ipv4Spec s{.protocol = 17, .src_port = 1000, .dst_port = 2000};
  const std::vector<std::vector<std::uint16_t>> stacks = {
      {}, {0x8100}, {0x88a8, 0x8100}, {0x88a8, 0x8100, 0x8100}, {0x9100, 0x8100}};
  for (const auto& tags : stacks) {
    const Decoded d = decode(LinkKind::kEthernet, test::ethernet(0x0800, test::ipv4(s), tags));
    EXPECT_EQ(d.reason, SkipReason::kNone) << tags.size() << " tags";
    EXPECT_EQ(d.key, test::key_of(s)) << tags.size() << " tags";
  }
}

TEST(FrameDecoder, MoreThanEightTagsAreReported) {
  const std::vector<std::uint16_t> tags(9, 0x8100);
  EXPECT_EQ(decode(LinkKind::kEthernet, test::ethernet(0x0800, test::ipv4(), tags)).reason,
            SkipReason::kTooManyHeaders);
}

TEST(FrameDecoder, MplsAndPppoePayloadsAreDecoded) {
  const Ipv4Spec s{.protocol = 6, .src_port = 80, .dst_port = 8080};
  Bytes labels = {0x00, 0x01, 0x00, 0x40, 0x00, 0x02, 0x01, 0x40};  // two labels, bottom set
  Bytes mpls = labels;
  const Bytes ip = test::ipv4(s);
  test::append(mpls, ip);
  EXPECT_EQ(decode(LinkKind::kEthernet, test::ethernet(0x8847, mpls)).key, test::key_of(s));

  const Ipv6Spec s6{.protocol = 17};
  const Bytes ip6 = test::ipv6(s6);
  Bytes pppoe = {0x11, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x57};  // session, PPP IPv6
  test::append(pppoe, ip6);
  EXPECT_EQ(decode(LinkKind::kEthernet, test::ethernet(0x8864, pppoe)).key, test::key_of(s6));
}

TEST(FrameDecoder, ArpAndUnknownEthertypesAreNonIp) {
  EXPECT_EQ(decode(LinkKind::kEthernet, test::ethernet(0x0806, Bytes(28, 0))).reason,
            SkipReason::kNonIp);
  EXPECT_EQ(decode(LinkKind::kLinuxSll, test::linux_sll(0x88cc, Bytes(30, 0))).reason,
            SkipReason::kNonIp);
}

TEST(FrameDecoder, CookedHeadersCarryTheEthertype) {
  const Ipv4Spec s{.protocol = 6};
  const Ipv6Spec s6{.protocol = 17};
  EXPECT_EQ(decode(LinkKind::kLinuxSll, test::linux_sll(0x0800, test::ipv4(s))).key,
            test::key_of(s));
  EXPECT_EQ(decode(LinkKind::kLinuxSll2, test::linux_sll2(0x86dd, test::ipv6(s6))).key,
            test::key_of(s6));
  EXPECT_EQ(decode(LinkKind::kLinuxSll2, test::linux_sll2(0x8100, Bytes{0, 5, 0x08, 0x00})).reason,
            SkipReason::kTruncatedL3);
}

TEST(FrameDecoder, NullAndLoopAcceptEitherByteOrderOfTheFamily) {
  const Ipv4Spec s{.protocol = 17};
  const Ipv6Spec s6{.protocol = 6};
  for (const LinkKind kind : {LinkKind::kNull, LinkKind::kLoop}) {
    for (const bool big : {false, true}) {
      EXPECT_EQ(decode(kind, test::null_header(2, big, test::ipv4(s))).key, test::key_of(s));
      for (const std::uint32_t inet6 : {10u, 24u, 28u, 30u}) {
        EXPECT_EQ(decode(kind, test::null_header(inet6, big, test::ipv6(s6))).key, test::key_of(s6))
            << inet6 << (big ? " big-endian" : " little-endian");
      }
      EXPECT_EQ(decode(kind, test::null_header(7, big, Bytes(20, 0))).reason, SkipReason::kNonIp);
    }
  }
}

TEST(FrameDecoder, MalformedIpv4HeadersAreReportedByReason) {
  EXPECT_EQ(decode(LinkKind::kIpv4, test::ipv4({.version = 5})).reason, SkipReason::kBadIpVersion);
  EXPECT_EQ(decode(LinkKind::kRaw, test::ipv4({.version = 7})).reason, SkipReason::kBadIpVersion);
  EXPECT_EQ(decode(LinkKind::kIpv6, test::ipv4()).reason, SkipReason::kBadIpVersion);
  EXPECT_EQ(decode(LinkKind::kRaw, test::ipv4({.header_words = 4})).reason,
            SkipReason::kBadIpHeaderLength);
  EXPECT_EQ(decode(LinkKind::kRaw, test::ipv4({.total_length = 19})).reason,
            SkipReason::kBadIpTotalLength);
  // 40-byte datagram claiming 1500 bytes, on a 40-byte wire frame.
  EXPECT_EQ(decode(LinkKind::kRaw, test::ipv4({.total_length = 1500})).reason,
            SkipReason::kBadIpTotalLength);
  // Ethernet padding makes the frame longer than the datagram: fine.
  Bytes padded = test::ethernet(0x0800, test::ipv4({.protocol = 1}));
  padded.resize(60, 0);
  EXPECT_EQ(decode(LinkKind::kEthernet, padded).reason, SkipReason::kNone);
}

TEST(FrameDecoder, OffloadSuperFramesWithZeroTotalLengthAreAccepted) {
  const Bytes frame = test::ipv4({.protocol = 6, .total_length = 0});
  EXPECT_EQ(decode(LinkKind::kRaw, frame, {}, 70000).reason, SkipReason::kNone);
  EXPECT_EQ(decode(LinkKind::kRaw, frame, {}, 1500).reason, SkipReason::kBadIpTotalLength);
}

TEST(FrameDecoder, ShortCapturesAreTruncatedAtTheRightLayer) {
  const Bytes eth = test::ethernet(0x0800, test::ipv4({.protocol = 6}));  // 14 + 20 + 20
  EXPECT_EQ(decode(LinkKind::kEthernet, eth, 13).reason, SkipReason::kTruncatedL2);
  EXPECT_EQ(decode(LinkKind::kEthernet, eth, 33).reason, SkipReason::kTruncatedL3);
  EXPECT_EQ(decode(LinkKind::kEthernet, test::ethernet(0x0800, test::ipv4(), {0x8100}), 16).reason,
            SkipReason::kTruncatedL2);
  EXPECT_EQ(decode(LinkKind::kRaw, test::ipv6(), 39).reason, SkipReason::kTruncatedL3);
  EXPECT_EQ(decode(LinkKind::kRaw, Bytes{}, 0).reason, SkipReason::kTruncatedL3);
}

TEST(FrameDecoder, PortsBeyondTheCaptureGivePortsZeroOrASkip) {
  const Ipv4Spec s{.protocol = 6, .payload = 100};
  const Bytes frame = test::ipv4(s);
  const Decoded kept = decode(LinkKind::kRaw, frame, 22);
  EXPECT_EQ(kept.reason, SkipReason::kNone);
  EXPECT_EQ(kept.key, test::key_of(s, false));
  EXPECT_EQ(kept.flags, DecodeFlags::kTruncatedL4);
  EXPECT_EQ(decode(LinkKind::kRaw, frame, 24).key, test::key_of(s)) << "4 bytes are enough";
  const DecodeOptions skip{.truncated_l4 = TruncatedL4Policy::kSkip};
  EXPECT_EQ(decode(LinkKind::kRaw, frame, 22, {}, skip).reason, SkipReason::kTruncatedL4);
  // IPv6 cut inside an extension header: the header type stands in for the protocol.
  const Decoded cut6 = decode(LinkKind::kRaw, test::ipv6({.extensions = {0}, .protocol = 6}), 44);
  EXPECT_EQ(cut6.reason, SkipReason::kNone);
  EXPECT_EQ(cut6.key.protocol, 0);
  EXPECT_EQ(cut6.flags, DecodeFlags::kTruncatedL4);
}

TEST(FrameDecoder, NeverReadsPastTheCapturedBytes) {
  // Random frames at every captured length; the exact-size copies make the sanitizer build
  // catch any over-read, and every reason must be a valid one.
  std::mt19937_64 rng(7);
  const LinkKind kinds[] = {LinkKind::kRaw,      LinkKind::kIpv4,     LinkKind::kIpv6,
                            LinkKind::kEthernet, LinkKind::kLinuxSll, LinkKind::kLinuxSll2,
                            LinkKind::kNull,     LinkKind::kLoop};
  const Bytes seeds[] = {test::ipv6({.extensions = {0, 43, 44, 60, 51}, .protocol = 6}),
                         test::ethernet(0x8100, test::ipv4({.header_words = 15}), {0x88a8}),
                         test::ethernet(0x8847, Bytes(64, 0))};
  for (int round = 0; round < 3000; ++round) {
    Bytes frame = seeds[round % 3];
    for (int flips = 0; flips < 4; ++flips)
      frame[rng() % frame.size()] ^= (rng() & 0xff);
    const auto cap = static_cast<std::uint32_t>(rng() % (frame.size() + 1));
    for (const LinkKind kind : kinds) {
      const Decoded d = decode(kind, frame, cap, static_cast<std::uint32_t>(frame.size()));
      EXPECT_LT(static_cast<std::size_t>(d.reason), kSkipReasonCount);
    }
  }
}

TEST(FrameDecoder, MapsSupportedDltValues) {
  EXPECT_EQ(link_kind_from_dlt(12), LinkKind::kRaw);
  EXPECT_EQ(link_kind_from_dlt(14), LinkKind::kRaw);
  EXPECT_EQ(link_kind_from_dlt(101), LinkKind::kRaw);
  EXPECT_EQ(link_kind_from_dlt(228), LinkKind::kIpv4);
  EXPECT_EQ(link_kind_from_dlt(229), LinkKind::kIpv6);
  EXPECT_EQ(link_kind_from_dlt(1), LinkKind::kEthernet);
  EXPECT_EQ(link_kind_from_dlt(113), LinkKind::kLinuxSll);
  EXPECT_EQ(link_kind_from_dlt(276), LinkKind::kLinuxSll2);
  EXPECT_EQ(link_kind_from_dlt(0), LinkKind::kNull);
  EXPECT_EQ(link_kind_from_dlt(108), LinkKind::kLoop);
  EXPECT_EQ(link_kind_from_dlt(105), std::nullopt);  // 802.11
}

}  // namespace
}  // namespace rlisim::traces
