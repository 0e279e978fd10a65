#include "sim/core/flow_key.hpp"

#include <tuple>

#include <arpa/inet.h>
#include <fmt/compile.h>
#include <fmt/format.h>

namespace rlisim::core {

FlowKey FlowKey::ipv4(std::uint32_t src_addr, std::uint32_t dst_addr, std::uint16_t src_port,
                      std::uint16_t dst_port, std::uint8_t protocol) {
  FlowKey k;
  for (int i = 0; i < 4; ++i) {
    k.src[i] = static_cast<std::uint8_t>(src_addr >> (24 - 8 * i));
    k.dst[i] = static_cast<std::uint8_t>(dst_addr >> (24 - 8 * i));
  }
  k.src_port = src_port;
  k.dst_port = dst_port;
  k.protocol = protocol;
  k.ip_version = 4;
  return k;
}

namespace {
std::string address_string(const std::array<std::uint8_t, 16>& a, std::uint8_t version) {
  if (version != 6) {
    // What inet_ntop writes for IPv4, without its printf: every flow's row has two of these.
    return fmt::format(FMT_COMPILE("{}.{}.{}.{}"), a[0], a[1], a[2], a[3]);
  }
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
  return buf;
}
}  // namespace

std::string FlowKey::src_string() const {
  return address_string(src, ip_version);
}
std::string FlowKey::dst_string() const {
  return address_string(dst, ip_version);
}

std::string FlowKey::to_string() const {
  // IPv6 addresses are bracketed (RFC 3986) so the port separator stays unambiguous.
  if (ip_version == 6) {
    return fmt::format("[{}]:{}>[{}]:{}/{}", src_string(), src_port, dst_string(), dst_port,
                       protocol);
  }
  return fmt::format("{}:{}>{}:{}/{}", src_string(), src_port, dst_string(), dst_port, protocol);
}

bool operator<(const FlowKey& a, const FlowKey& b) {
  return std::tie(a.ip_version, a.src, a.dst, a.src_port, a.dst_port, a.protocol) <
         std::tie(b.ip_version, b.src, b.dst, b.src_port, b.dst_port, b.protocol);
}

}  // namespace rlisim::core
