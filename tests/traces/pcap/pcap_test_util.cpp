#include "tests/traces/pcap/pcap_test_util.hpp"

#include <atomic>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/core/error.hpp"

namespace rlisim::traces::test {
namespace {

void put_be16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

void put_le32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put_le16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}

std::uint32_t transport_header_size(std::uint8_t protocol) {
  switch (protocol) {
    case 6:
      return 20;
    case 17:
    case 136:
    case 1:
    case 58:
      return 8;
    case 132:
      return 12;
    case 33:
      return 16;
    default:
      return 0;
  }
}

bool has_ports(std::uint8_t protocol) {
  return protocol == 6 || protocol == 17 || protocol == 33 || protocol == 132 || protocol == 136;
}

Bytes transport(std::uint8_t protocol, std::uint16_t src_port, std::uint16_t dst_port,
                std::uint32_t payload) {
  Bytes b(transport_header_size(protocol) + payload, 0);
  if (has_ports(protocol)) {
    b[0] = static_cast<std::uint8_t>(src_port >> 8);
    b[1] = static_cast<std::uint8_t>(src_port);
    b[2] = static_cast<std::uint8_t>(dst_port >> 8);
    b[3] = static_cast<std::uint8_t>(dst_port);
  }
  if (protocol == 6)
    b[12] = 0x50;  // TCP data offset 5
  return b;
}

std::atomic<int> g_temp_counter{0};

}  // namespace

void append(Bytes& to, const Bytes& from) {
  // A plain loop: GCC 12 reports false -Warray-bounds on vector::insert of known-size vectors.
  to.reserve(to.size() + from.size());
  for (const std::uint8_t byte : from)
    to.push_back(byte);
}

TempDir::TempDir() {
  namespace fs = std::filesystem;
  const fs::path base = fs::temp_directory_path();
  for (;;) {
    const fs::path p = base / ("rlisim-pcap-test-" + std::to_string(::getpid()) + "-" +
                               std::to_string(g_temp_counter++));
    if (fs::create_directory(p)) {
      path_ = p.string();
      return;
    }
  }
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Bytes ipv4(const Ipv4Spec& s) {
  const std::uint32_t header = s.header_words * 4u;
  const Bytes l4 = transport(s.protocol, s.src_port, s.dst_port, s.payload);
  Bytes b(header < 20 ? 20 : header, 0);
  b[0] = static_cast<std::uint8_t>((s.version << 4) | (s.header_words & 0x0f));
  const auto total = s.total_length.value_or(static_cast<std::uint16_t>(b.size() + l4.size()));
  b[2] = static_cast<std::uint8_t>(total >> 8);
  b[3] = static_cast<std::uint8_t>(total);
  b[6] = static_cast<std::uint8_t>(s.fragment_field >> 8);
  b[7] = static_cast<std::uint8_t>(s.fragment_field);
  b[8] = 64;
  b[9] = s.protocol;
  std::memcpy(&b[12], s.src.data(), 4);
  std::memcpy(&b[16], s.dst.data(), 4);
  append(b, l4);
  return b;
}

Bytes ipv6(const Ipv6Spec& s) {
  Bytes ext;
  for (std::size_t i = 0; i < s.extensions.size(); ++i) {
    const std::uint8_t type = s.extensions[i];
    const std::uint8_t next = i + 1 < s.extensions.size() ? s.extensions[i + 1] : s.protocol;
    Bytes h;
    if (type == 44) {
      h.assign(8, 0);
      const auto field =
          static_cast<std::uint16_t>((s.fragment_offset << 3) | (s.more_fragments ? 1 : 0));
      h[2] = static_cast<std::uint8_t>(field >> 8);
      h[3] = static_cast<std::uint8_t>(field);
    } else if (type == 51) {
      h.assign(16, 0);
      h[1] = 2;  // (2 + 2) * 4 = 16 bytes
    } else if (type == 43) {
      h.assign(24, 0);
      h[1] = 2;  // (2 + 1) * 8 = 24 bytes
    } else {
      h.assign(8, 0);
    }
    h[0] = next;
    append(ext, h);
  }
  const Bytes l4 = transport(s.protocol, s.src_port, s.dst_port, s.payload);
  Bytes b(40, 0);
  b[0] = 0x60;
  const auto payload = static_cast<std::uint16_t>(ext.size() + l4.size());
  b[4] = static_cast<std::uint8_t>(payload >> 8);
  b[5] = static_cast<std::uint8_t>(payload);
  b[6] = s.extensions.empty() ? s.protocol : s.extensions[0];
  b[7] = 64;
  std::memcpy(&b[8], s.src.data(), 16);
  std::memcpy(&b[24], s.dst.data(), 16);
  append(b, ext);
  append(b, l4);
  return b;
}

Bytes ethernet(std::uint16_t ethertype, const Bytes& payload,
               const std::vector<std::uint16_t>& tags) {
  Bytes b = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
  for (std::size_t i = 0; i < tags.size(); ++i) {
    put_be16(b, tags[i]);
    put_be16(b, static_cast<std::uint16_t>(100 + i));  // TCI: VLAN id
  }
  put_be16(b, ethertype);
  append(b, payload);
  return b;
}

Bytes linux_sll(std::uint16_t protocol, const Bytes& payload) {
  Bytes b;
  put_be16(b, 0);  // packet type: to us
  put_be16(b, 1);  // ARPHRD_ETHER
  put_be16(b, 6);
  for (int i = 0; i < 8; ++i)
    b.push_back(static_cast<std::uint8_t>(i < 6 ? 0xaa : 0));
  put_be16(b, protocol);
  append(b, payload);
  return b;
}

Bytes linux_sll2(std::uint16_t protocol, const Bytes& payload) {
  Bytes b;
  put_be16(b, protocol);
  put_be16(b, 0);
  for (int i = 0; i < 4; ++i)
    b.push_back(i == 3 ? 2 : 0);  // interface index 2
  put_be16(b, 1);                 // ARPHRD_ETHER
  b.push_back(0);                 // packet type
  b.push_back(6);                 // address length
  for (int i = 0; i < 8; ++i)
    b.push_back(static_cast<std::uint8_t>(i < 6 ? 0xbb : 0));
  append(b, payload);
  return b;
}

Bytes null_header(std::uint32_t family, bool big_endian, const Bytes& payload) {
  Bytes b;
  if (big_endian) {
    put_be16(b, static_cast<std::uint16_t>(family >> 16));
    put_be16(b, static_cast<std::uint16_t>(family));
  } else {
    put_le32(b, family);
  }
  append(b, payload);
  return b;
}

core::FlowKey key_of(const Ipv4Spec& s, bool with_ports) {
  core::FlowKey k;
  std::memcpy(k.src.data(), s.src.data(), 4);
  std::memcpy(k.dst.data(), s.dst.data(), 4);
  k.protocol = s.protocol;
  k.ip_version = 4;
  if (with_ports && has_ports(s.protocol)) {
    k.src_port = s.src_port;
    k.dst_port = s.dst_port;
  }
  return k;
}

core::FlowKey key_of(const Ipv6Spec& s, bool with_ports) {
  core::FlowKey k;
  k.src = s.src;
  k.dst = s.dst;
  k.protocol = s.protocol;
  k.ip_version = 6;
  if (with_ports && has_ports(s.protocol)) {
    k.src_port = s.src_port;
    k.dst_port = s.dst_port;
  }
  return k;
}

void write_pcap(const std::string& path, int dlt, const std::vector<Record>& records,
                std::uint32_t snaplen, bool nanosecond) {
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(
      dlt, static_cast<int>(snaplen),
      nanosecond ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
  if (dead == nullptr)
    throw std::runtime_error("pcap_open_dead failed");
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  if (dumper == nullptr) {
    const std::string error = pcap_geterr(dead);
    pcap_close(dead);
    throw std::runtime_error("pcap_dump_open: " + error);
  }
  for (const Record& r : records) {
    pcap_pkthdr h{};
    h.ts.tv_sec = r.ts_ns / 1'000'000'000;
    const std::int64_t frac = r.ts_ns % 1'000'000'000;
    h.ts.tv_usec = nanosecond ? frac : frac / 1000;
    h.caplen = static_cast<bpf_u_int32>(std::min<std::size_t>(r.frame.size(), snaplen));
    h.len = r.wire_len.value_or(static_cast<bpf_u_int32>(r.frame.size()));
    pcap_dump(reinterpret_cast<u_char*>(dumper), &h, r.frame.data());
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
}

PcapBytes::PcapBytes(std::uint32_t snaplen, std::uint32_t linktype, bool big_endian,
                     std::uint32_t magic, std::uint16_t major, std::uint16_t minor)
    : big_endian_(big_endian) {
  put32(magic);
  put16(major);
  put16(minor);
  put32(0);
  put32(0);
  put32(snaplen);
  put32(linktype);
}

void PcapBytes::put32(std::uint32_t v) {
  if (big_endian_) {
    put_be16(bytes_, static_cast<std::uint16_t>(v >> 16));
    put_be16(bytes_, static_cast<std::uint16_t>(v));
  } else {
    put_le32(bytes_, v);
  }
}

void PcapBytes::put16(std::uint16_t v) {
  if (big_endian_) {
    put_be16(bytes_, v);
  } else {
    put_le16(bytes_, v);
  }
}

PcapBytes& PcapBytes::record(std::uint32_t sec, std::uint32_t frac, std::uint32_t caplen,
                             std::uint32_t len, const Bytes& data) {
  put32(sec);
  put32(frac);
  put32(caplen);
  put32(len);
  append(bytes_, data);
  return *this;
}

Bytes pcapng(std::uint16_t linktype, std::uint32_t snaplen, const std::vector<NgPacket>& packets,
             bool nanosecond_resolution) {
  Bytes b;
  // Section Header Block
  put_le32(b, 0x0A0D0D0A);
  put_le32(b, 28);
  put_le32(b, 0x1A2B3C4D);
  put_le16(b, 1);
  put_le16(b, 0);
  put_le32(b, 0xffffffff);  // section length: unknown (-1, 64 bits)
  put_le32(b, 0xffffffff);
  put_le32(b, 28);
  // Interface Description Block
  const std::uint32_t idb_length = nanosecond_resolution ? 32 : 20;
  put_le32(b, 1);
  put_le32(b, idb_length);
  put_le16(b, linktype);
  put_le16(b, 0);
  put_le32(b, snaplen);
  if (nanosecond_resolution) {
    put_le16(b, 9);  // if_tsresol
    put_le16(b, 1);
    b.insert(b.end(), {9, 0, 0, 0});  // 10^-9, padded to 4 bytes
    put_le32(b, 0);                   // opt_endofopt
  }
  put_le32(b, idb_length);
  // Enhanced Packet Blocks
  for (const NgPacket& p : packets) {
    const auto size = static_cast<std::uint32_t>(p.data.size());
    const std::uint32_t padded = (size + 3) & ~3u;
    const std::uint32_t length = 32 + padded;
    put_le32(b, 6);
    put_le32(b, length);
    put_le32(b, 0);
    put_le32(b, static_cast<std::uint32_t>(p.ts_units >> 32));
    put_le32(b, static_cast<std::uint32_t>(p.ts_units));
    put_le32(b, p.caplen.value_or(size));
    put_le32(b, p.len.value_or(size));
    append(b, p.data);
    b.insert(b.end(), padded - size, 0);
    put_le32(b, length);
  }
  return b;
}

void write_file(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out)
    throw std::runtime_error("cannot write " + path);
}

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Bytes gzip(const Bytes& data, int level) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  Bytes out(deflateBound(&z, static_cast<uLong>(data.size())));
  z.next_in = const_cast<Bytef*>(data.data());
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int ret = deflate(&z, Z_FINISH);
  deflateEnd(&z);
  if (ret != Z_STREAM_END)
    throw std::runtime_error("deflate failed");
  out.resize(z.total_out);
  return out;
}

std::vector<core::Packet> read_all(PcapReader& reader) {
  std::vector<core::Packet> out;
  core::Packet p;
  while (reader.next(p))
    out.push_back(p);
  return out;
}

std::string trace_error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const core::TraceError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a core::TraceError";
  return "";
}

void with_stdin(const Bytes& bytes, const std::function<void()>& fn) {
  int fds[2];
  if (::pipe(fds) != 0)
    throw std::runtime_error("pipe failed");
  const int saved = ::dup(STDIN_FILENO);
  ::dup2(fds[0], STDIN_FILENO);
  ::close(fds[0]);
  std::thread writer([&bytes, fd = fds[1]] {
    // If the reader stops early, the write fails with EPIPE instead of killing the test.
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, nullptr);
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0)
        break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
  });
  const auto restore = [&] {
    ::dup2(saved, STDIN_FILENO);  // drops the pipe's read end, so a blocked writer wakes up
    ::close(saved);
    writer.join();
  };
  try {
    fn();
  } catch (...) {
    restore();
    throw;
  }
  restore();
}

std::string sample(const std::string& name) {
  return std::string(RLISIM_SOURCE_DIR) + "/traces/samples/" + name;
}

}  // namespace rlisim::traces::test
