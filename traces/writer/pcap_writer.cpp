#include "traces/writer/pcap_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>
#include <pcap/pcap.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/core/error.hpp"
#include "traces/writer/packet_headers.hpp"

namespace rlisim::traces {
namespace {

// State behind a fopencookie stream that gzip-compresses what libpcap's dumper writes.
struct GzCookie {
  gzFile gz = nullptr;
  bool write_failed = false;
  int close_status = Z_OK;
};

ssize_t gz_cookie_write(void* cookie, const char* buf, std::size_t size) {
  auto* c = static_cast<GzCookie*>(cookie);
  if (size == 0)
    return 0;
  const int n = gzwrite(c->gz, buf, static_cast<unsigned>(size));
  if (n <= 0) {
    c->write_failed = true;
    return 0;  // fopencookie: 0 signals an error
  }
  return n;
}

int gz_cookie_close(void* cookie) {
  auto* c = static_cast<GzCookie*>(cookie);
  c->close_status = gzclose(c->gz);
  c->gz = nullptr;
  return c->close_status == Z_OK ? 0 : EOF;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

struct PcapWriter::Output {
  struct TcpConnection {
    std::uint32_t next_seq = 0;
    std::uint32_t ack = 0;
  };
  pcap_t* dead = nullptr;
  pcap_dumper_t* dumper = nullptr;
  std::unique_ptr<GzCookie> gz;
  absl::flat_hash_map<core::FlowKey, TcpConnection, core::FlowKeyHasher> connections;
};

PcapWriter::PcapWriter(std::string path, WriterOptions options)
    : path_(std::move(path)), options_(options) {
  if (options_.snaplen < 20 || options_.snaplen > 65535) {
    throw core::ConfigError(
        fmt::format("writer.snaplen = {}: expected [20, 65535] bytes (at least an IPv4 header)",
                    options_.snaplen));
  }
  if (options_.gzip_level < 1 || options_.gzip_level > 9) {
    throw core::ConfigError(
        fmt::format("writer.gzip_level = {}: expected 1-9", options_.gzip_level));
  }
  const bool gzip = options_.compression == Compression::kGzip ||
                    (options_.compression == Compression::kAuto && ends_with(path_, ".gz"));
  const bool to_stdout = path_ == "-";
  auto out = std::make_unique<Output>();

  FILE* file = nullptr;
  if (gzip) {
    out->gz = std::make_unique<GzCookie>();
    const std::string mode = fmt::format("wb{}", options_.gzip_level);
    if (to_stdout) {
      std::fflush(stdout);
      const int fd = dup(fileno(stdout));
      out->gz->gz = fd < 0 ? nullptr : gzdopen(fd, mode.c_str());
      if (out->gz->gz == nullptr && fd >= 0)
        ::close(fd);
    } else {
      out->gz->gz = gzopen(path_.c_str(), mode.c_str());
    }
    if (out->gz->gz == nullptr) {
      throw core::TraceError(
          fmt::format("{}: cannot open for gzip writing: {}", path_, std::strerror(errno)));
    }
    const cookie_io_functions_t io{nullptr, gz_cookie_write, nullptr, gz_cookie_close};
    file = fopencookie(out->gz.get(), "w", io);
    if (file == nullptr) {
      gzclose(out->gz->gz);
      throw core::TraceError(fmt::format("{}: cannot create the gzip stream", path_));
    }
  } else if (to_stdout) {
    std::fflush(stdout);
    const int fd = dup(fileno(stdout));
    file = fd < 0 ? nullptr : fdopen(fd, "wb");
    if (file == nullptr) {
      if (fd >= 0)
        ::close(fd);
      throw core::TraceError(
          fmt::format("-: cannot write to standard output: {}", std::strerror(errno)));
    }
  } else {
    file = std::fopen(path_.c_str(), "wb");
    if (file == nullptr) {
      throw core::TraceError(
          fmt::format("{}: cannot open for writing: {}", path_, std::strerror(errno)));
    }
  }

  // DLT_RAW (12 on Linux) is stored in the file as LINKTYPE_RAW (101).
  out->dead = pcap_open_dead_with_tstamp_precision(DLT_RAW, static_cast<int>(options_.snaplen),
                                                   PCAP_TSTAMP_PRECISION_NANO);
  if (out->dead == nullptr) {
    std::fclose(file);
    throw core::TraceError(fmt::format("{}: libpcap could not create a dead handle", path_));
  }
  out->dumper = pcap_dump_fopen(out->dead, file);
  if (out->dumper == nullptr) {
    const std::string reason = pcap_geterr(out->dead);
    std::fclose(file);
    pcap_close(out->dead);
    throw core::TraceError(fmt::format("{}: cannot start the pcap file: {}", path_, reason));
  }
  out_ = std::move(out);
  record_.assign(std::max<std::size_t>(options_.snaplen, kMaxHeaderBytes), 0);
}

PcapWriter::~PcapWriter() {
  try {
    close();
  } catch (const core::TraceError&) {
    // Destructors must not throw; close() reports errors to callers who ask.
  }
}

void PcapWriter::write(const core::Packet& packet) {
  if (!out_) {
    throw core::TraceError(fmt::format("{}: record {}: the writer is closed", path_, packets_));
  }
  const std::size_t headers = header_bytes(packet.flow);
  if (headers == 0) {
    throw core::TraceError(fmt::format("{}: record {}: IP version {} of {}; expected 4 or 6", path_,
                                       packets_, packet.flow.ip_version, packet.flow.to_string()));
  }
  if (packet.wire_bytes < headers) {
    throw core::TraceError(fmt::format(
        "{}: record {}: {} has {} wire bytes, fewer than its {} B of IP and transport headers",
        path_, packets_, packet.flow.to_string(), packet.wire_bytes, headers));
  }
  const std::int64_t ns = options_.base_time.count() + packet.arrival.count() / 1000;
  if (packet.arrival.count() < 0 || ns < 0) {
    throw core::TraceError(
        fmt::format("{}: record {}: arrival {} ps lies before the epoch; expected times >= 0",
                    path_, packets_, packet.arrival.count()));
  }
  std::uint8_t* rec = record_.data();
  if (packet.tcp != 0 && packet.flow.protocol == 6) {
    const TcpNumbers numbers = number_tcp(packet, headers);
    build_headers(packet.flow, packet.wire_bytes, static_cast<std::uint16_t>(packets_), rec,
                  &numbers);
  } else {
    build_headers(packet.flow, packet.wire_bytes, static_cast<std::uint16_t>(packets_), rec);
  }
  const std::uint32_t caplen = std::min(options_.snaplen, packet.wire_bytes);
  // Bytes past the headers are payload: zero them where an earlier, longer header left data.
  const std::size_t dirty_end = std::min<std::size_t>(caplen, kMaxHeaderBytes);
  if (dirty_end > headers)
    std::memset(rec + headers, 0, dirty_end - headers);

  pcap_pkthdr h{};
  h.ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  // With nanosecond precision libpcap stores tv_usec as nanoseconds.
  h.ts.tv_usec = static_cast<suseconds_t>(ns % 1'000'000'000);
  h.caplen = caplen;
  h.len = packet.wire_bytes;
  pcap_dump(reinterpret_cast<u_char*>(out_->dumper), &h, rec);
  ++packets_;
  wire_bytes_ += packet.wire_bytes;
}

TcpNumbers PcapWriter::number_tcp(const core::Packet& packet, std::size_t headers) {
  namespace mark = core::tcp_mark;
  constexpr std::uint8_t kFinFlag = 0x01, kSynFlag = 0x02, kPshFlag = 0x08, kAckFlag = 0x10;
  constexpr std::uint32_t kMss = 1460;
  auto [it, fresh] = out_->connections.try_emplace(packet.flow);
  Output::TcpConnection& c = it->second;
  if (fresh) {
    const std::uint64_t h = tcp_number_seed(packet.flow);
    c.next_seq = static_cast<std::uint32_t>(h);
    c.ack = static_cast<std::uint32_t>(h >> 32);
  }
  TcpNumbers n;
  n.seq = c.next_seq;
  n.ack = c.ack;
  const std::uint8_t m = packet.tcp;
  if ((m & mark::kSyn) != 0) {
    const bool syn_ack = (m & mark::kPureAck) != 0;
    n.flags = syn_ack ? kSynFlag | kAckFlag : kSynFlag;
    if (!syn_ack)
      n.ack = 0;
    c.next_seq += 1;
  } else if ((m & mark::kFin) != 0) {
    n.flags = kFinFlag | kAckFlag;
  } else if ((m & mark::kData) != 0) {
    n.flags = kPshFlag | kAckFlag;
    c.next_seq += static_cast<std::uint32_t>(packet.wire_bytes - headers);
  } else {
    const std::uint32_t segments = mark::acked_segments(m);
    c.ack += segments == 0 ? 1 : segments * kMss;
    n.ack = c.ack;
    n.flags = kAckFlag;
  }
  if ((m & (mark::kFin | mark::kLast)) != 0)
    out_->connections.erase(it);
  return n;
}

void PcapWriter::close() {
  if (!out_)
    return;
  const std::unique_ptr<Output> out = std::move(out_);
  FILE* file = pcap_dump_file(out->dumper);
  const bool flush_failed = pcap_dump_flush(out->dumper) != 0 || std::ferror(file) != 0;
  const int saved_errno = errno;
  pcap_dump_close(out->dumper);
  pcap_close(out->dead);
  if (out->gz && (out->gz->write_failed || out->gz->close_status != Z_OK)) {
    throw core::TraceError(fmt::format("{}: gzip write or close failed", path_));
  }
  if (flush_failed) {
    throw core::TraceError(fmt::format("{}: write failed: {}", path_, std::strerror(saved_errno)));
  }
}

}  // namespace rlisim::traces
