#include "traces/writer/packet_headers.hpp"

#include <algorithm>
#include <cstring>

#include "sim/core/rng.hpp"

namespace rlisim::traces {
namespace {

constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;

void put16(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, v >> 16);
  put16(p + 2, v & 0xffff);
}

std::size_t ip_header_bytes(const core::FlowKey& key) {
  return key.ip_version == 4 ? 20 : (key.ip_version == 6 ? 40 : 0);
}

std::size_t transport_header_bytes(const core::FlowKey& key) {
  return key.protocol == kTcp ? 20 : (key.protocol == kUdp ? 8 : 0);
}

}  // namespace

std::uint64_t tcp_number_seed(const core::FlowKey& k) {
  std::uint64_t h = 0;
  for (std::size_t i = 0; i < 16; i += 8) {
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::memcpy(&a, k.src.data() + i, 8);
    std::memcpy(&b, k.dst.data() + i, 8);
    h = core::mix64(h ^ a);
    h = core::mix64(h ^ b);
  }
  return core::mix64(h ^ (std::uint64_t{k.src_port} << 24) ^ (std::uint64_t{k.dst_port} << 8) ^
                     k.protocol);
}

std::size_t header_bytes(const core::FlowKey& key) {
  const std::size_t ip = ip_header_bytes(key);
  return ip == 0 ? 0 : ip + transport_header_bytes(key);
}

std::uint16_t internet_checksum(const std::uint8_t* data, std::size_t length) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < length; i += 2)
    sum += (std::uint32_t{data[i]} << 8) | data[i + 1];
  if (length % 2 == 1)
    sum += std::uint32_t{data[length - 1]} << 8;
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

std::size_t build_headers(const core::FlowKey& key, std::uint32_t wire_bytes, std::uint16_t ip_id,
                          std::uint8_t* out, const TcpNumbers* tcp) {
  const std::size_t ip = ip_header_bytes(key);
  const std::size_t total = header_bytes(key);
  std::memset(out, 0, total);
  if (key.ip_version == 4) {
    out[0] = 0x45;
    put16(out + 2, std::min<std::uint32_t>(wire_bytes, 65535));
    put16(out + 4, ip_id);
    put16(out + 6, 0x4000);  // DF, fragment offset 0
    out[8] = 64;
    out[9] = key.protocol;
    std::memcpy(out + 12, key.src.data(), 4);
    std::memcpy(out + 16, key.dst.data(), 4);
    put16(out + 10, internet_checksum(out, 20));
  } else {
    out[0] = 0x60;
    put16(out + 4, std::min<std::uint32_t>(wire_bytes - 40, 65535));
    out[6] = key.protocol;
    out[7] = 64;
    std::memcpy(out + 8, key.src.data(), 16);
    std::memcpy(out + 24, key.dst.data(), 16);
  }
  std::uint8_t* l4 = out + ip;
  if (key.protocol == kTcp) {
    put16(l4, key.src_port);
    put16(l4 + 2, key.dst_port);
    if (tcp != nullptr) {
      put32(l4 + 4, tcp->seq);
      put32(l4 + 8, tcp->ack);
      l4[13] = tcp->flags;
    } else {
      const std::uint64_t h = tcp_number_seed(key);
      put32(l4 + 4, static_cast<std::uint32_t>(h));
      put32(l4 + 8, static_cast<std::uint32_t>(h >> 32));
      l4[13] = wire_bytes > total ? 0x18 : 0x10;  // PSH|ACK with payload, else ACK
    }
    l4[12] = 0x50;  // data offset 5 words
    put16(l4 + 14, 65535);
  } else if (key.protocol == kUdp) {
    put16(l4, key.src_port);
    put16(l4 + 2, key.dst_port);
    put16(l4 + 4, std::min<std::uint32_t>(wire_bytes - static_cast<std::uint32_t>(ip), 65535));
  }
  return total;
}

}  // namespace rlisim::traces
