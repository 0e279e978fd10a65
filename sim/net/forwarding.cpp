#include "sim/net/forwarding.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string_view>

#include <arpa/inet.h>
#include <fmt/format.h>

#include "sim/core/rng.hpp"

namespace rlisim::net {
namespace {

std::string describe(std::size_t index, const Route& route) {
  return fmt::format("route {} ('{}' -> port {})", index, route.prefix, route.port);
}

}  // namespace

Forwarding::Address Forwarding::load(const std::array<std::uint8_t, 16>& bytes) {
  Address a;
  for (int i = 0; i < 8; ++i) {
    a.hi = (a.hi << 8) | bytes[i];
    a.lo = (a.lo << 8) | bytes[8 + i];
  }
  return a;
}

Forwarding::Address Forwarding::mask_for(int length) {
  Address m;
  if (length >= 64) {
    m.hi = ~0ULL;
    m.lo = length == 64 ? 0 : ~0ULL << (128 - length);
  } else {
    m.hi = length == 0 ? 0 : ~0ULL << (64 - length);
  }
  return m;
}

Forwarding::Forwarding(ForwardingConfig config, std::size_t port_count)
    : config_(std::move(config)), port_count_(port_count) {
  if (port_count_ == 0) {
    throw std::invalid_argument(
        "forwarding: the router has no egress ports; configure at least one");
  }
  if (port_count_ > 65536) {
    throw std::invalid_argument(fmt::format(
        "forwarding: {} egress ports exceed the 65536 that a PortId can name", port_count_));
  }
  if (config_.default_port >= port_count_) {
    throw std::invalid_argument(
        fmt::format("forwarding: default_port {} does not exist; ports are 0..{}",
                    config_.default_port, port_count_ - 1));
  }
  if (config_.prefix_length_v4 < 0 || config_.prefix_length_v4 > 32) {
    throw std::invalid_argument(fmt::format(
        "forwarding: prefix_length_v4 must be in 0..32 (got {})", config_.prefix_length_v4));
  }
  if (config_.prefix_length_v6 < 0 || config_.prefix_length_v6 > 128) {
    throw std::invalid_argument(fmt::format(
        "forwarding: prefix_length_v6 must be in 0..128 (got {})", config_.prefix_length_v6));
  }
  mask_v4_ = mask_for(config_.prefix_length_v4);
  mask_v6_ = mask_for(config_.prefix_length_v6);
  for (std::size_t i = 0; i < config_.routes.size(); ++i)
    compile_route(i, config_.routes[i]);
  for (auto& tables : tables_) {
    std::sort(tables.begin(), tables.end(),
              [](const LengthTable& a, const LengthTable& b) { return a.length > b.length; });
  }
}

void Forwarding::compile_route(std::size_t index, const Route& route) {
  if (route.port >= port_count_) {
    throw std::invalid_argument(
        fmt::format("forwarding: {}: port {} does not exist; ports are 0..{}",
                    describe(index, route), route.port, port_count_ - 1));
  }
  const std::string_view text = route.prefix;
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    throw std::invalid_argument(fmt::format(
        "forwarding: {}: expected 'address/length', e.g. '10.0.0.0/8' or '2001:db8::/32'",
        describe(index, route)));
  }
  const std::string address(text.substr(0, slash));
  const std::string_view length_text = text.substr(slash + 1);
  const bool v6 = address.find(':') != std::string::npos;
  std::array<std::uint8_t, 16> bytes{};
  if (inet_pton(v6 ? AF_INET6 : AF_INET, address.c_str(), bytes.data()) != 1) {
    throw std::invalid_argument(fmt::format("forwarding: {}: '{}' is not a valid {} address",
                                            describe(index, route), address, v6 ? "IPv6" : "IPv4"));
  }
  const int max_length = v6 ? 128 : 32;
  int length = -1;
  const auto [end, ec] =
      std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
  if (ec != std::errc{} || end != length_text.data() + length_text.size() || length < 0 ||
      length > max_length) {
    throw std::invalid_argument(
        fmt::format("forwarding: {}: prefix length '{}' must be an integer in 0..{}",
                    describe(index, route), length_text, max_length));
  }
  const Address mask = mask_for(length);
  const Address value = load(bytes);
  if (apply(value, mask) != value) {
    throw std::invalid_argument(
        fmt::format("forwarding: {}: address has bits set beyond /{}; write the network address",
                    describe(index, route), length));
  }
  auto& tables = tables_[v6 ? 1 : 0];
  auto it = std::find_if(tables.begin(), tables.end(),
                         [length](const LengthTable& t) { return t.length == length; });
  if (it == tables.end()) {
    tables.push_back(LengthTable{length, mask, {}});
    it = tables.end() - 1;
  }
  if (!it->routes.emplace(value, route.port).second) {
    throw std::invalid_argument(
        fmt::format("forwarding: {}: duplicate prefix (an earlier route has the same one)",
                    describe(index, route)));
  }
}

models::PortId Forwarding::lookup(const core::FlowKey& key) const {
  const Address dst = load(key.dst);
  for (const LengthTable& t : tables_[key.ip_version == 6 ? 1 : 0]) {
    const auto it = t.routes.find(apply(dst, t.mask));
    if (it != t.routes.end())
      return it->second;
  }
  return config_.default_port;
}

models::PortId Forwarding::port_for(const core::FlowKey& key) const {
  if (config_.kind == ForwardingKind::kSingle)
    return config_.default_port;
  if (key.ip_version != 4 && key.ip_version != 6)
    return config_.default_port;
  if (config_.kind == ForwardingKind::kTable)
    return lookup(key);
  const bool v6 = key.ip_version == 6;
  const Address prefix = apply(load(key.dst), v6 ? mask_v6_ : mask_v4_);
  const int length = v6 ? config_.prefix_length_v6 : config_.prefix_length_v4;
  const std::uint64_t salt =
      (static_cast<std::uint64_t>(key.ip_version) << 8) | static_cast<std::uint64_t>(length);
  const std::uint64_t h = core::mix64(prefix.hi ^ core::mix64(prefix.lo ^ core::mix64(salt)));
  return static_cast<models::PortId>(h % port_count_);
}

}  // namespace rlisim::net
