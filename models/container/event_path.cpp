// MACE event paths: names, built-ins (container.md §1.1) and validation.
#include "models/container/event_path.hpp"

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace rlisim::models::container {
namespace {

constexpr std::array<std::string_view, kPathEventCount> kEventNames = {
    "net_dev_queue",        "net_dev_xmit",           "net_dev_start_xmit", "netif_receive_skb",
    "napi_gro_frags_entry", "napi_gro_receive_entry", "sys_enter_sendto",   "sys_exit_recvmsg"};

bool is_syscall(PathEvent e) {
  return e == PathEvent::kSysEnterSendto || e == PathEvent::kSysExitRecv;
}

std::string describe(const PathPoint& p) {
  return fmt::format("({}, {})", to_string(p.role), to_string(p.event));
}

void check_point(const EventPath& path, std::string_view where, const PathPoint& p) {
  if (is_syscall(p.event) && p.role != DeviceRole::kNone)
    throw core::ConfigError(fmt::format(
        "event path '{}': {} {}: syscall events carry no device; expected device 'none'", path.name,
        where, describe(p)));
  if (!is_syscall(p.event) && p.role == DeviceRole::kNone)
    throw core::ConfigError(
        fmt::format("event path '{}': {} {}: a network event needs device 'container' or 'outer'",
                    path.name, where, describe(p)));
  if (p.role == DeviceRole::kContainer && path.container_device.empty())
    throw core::ConfigError(fmt::format(
        "event path '{}': {} uses the container device but no container device name was given "
        "(--inner-dev)",
        path.name, where));
  if (p.role == DeviceRole::kOuter && path.outer_device.empty())
    throw core::ConfigError(
        fmt::format("event path '{}': {} uses the outer device but no outer device name was given "
                    "(--outer-dev)",
                    path.name, where));
}

}  // namespace

std::string_view to_string(PathEvent event) {
  return kEventNames[static_cast<std::size_t>(event)];
}

std::string_view to_string(DeviceRole role) {
  switch (role) {
    case DeviceRole::kNone:
      return "none";
    case DeviceRole::kContainer:
      return "container";
    case DeviceRole::kOuter:
      return "outer";
  }
  return "?";
}

std::string_view to_string(Direction direction) {
  return direction == Direction::kEgress ? "egress" : "ingress";
}

std::optional<PathEvent> parse_path_event(std::string_view name) {
  for (std::size_t i = 0; i < kEventNames.size(); ++i)
    if (kEventNames[i] == name)
      return static_cast<PathEvent>(i);
  if (name == "sys_exit_recvmmsg" || name == "sys_exit_recv")
    return PathEvent::kSysExitRecv;
  return std::nullopt;
}

std::optional<DeviceRole> parse_device_role(std::string_view name) {
  if (name == "container" || name == "veth" || name == "inner")
    return DeviceRole::kContainer;
  if (name == "outer" || name == "physical")
    return DeviceRole::kOuter;
  if (name == "none")
    return DeviceRole::kNone;
  return std::nullopt;
}

EventPath builtin_event_path(std::string_view name, const std::string& container_device,
                             const std::string& outer_device, bool gro_receive) {
  using DR = DeviceRole;
  using PE = PathEvent;
  EventPath p;
  p.name = std::string(name);
  p.container_device = container_device;
  p.outer_device = outer_device;
  if (name == "inner-dev") {
    p.egress = {{DR::kContainer, PE::kNetDevXmit}, {DR::kOuter, PE::kNetDevXmit}};
    p.ingress = {{DR::kOuter, PE::kNetifReceiveSkb}, {DR::kContainer, PE::kNetifReceiveSkb}};
  } else if (name == "max-dev") {
    p.egress = {{DR::kContainer, PE::kNetDevQueue}, {DR::kOuter, PE::kNetDevXmit}};
    p.ingress = {{DR::kOuter, gro_receive ? PE::kNapiGroReceiveEntry : PE::kNapiGroFragsEntry},
                 {DR::kContainer, PE::kNetifReceiveSkb}};
  } else if (name == "syscalls") {
    p.egress = {{DR::kNone, PE::kSysEnterSendto}, {DR::kOuter, PE::kNetDevXmit}};
    p.ingress = {{DR::kOuter, PE::kNetifReceiveSkb}, {DR::kNone, PE::kSysExitRecv}};
  } else {
    throw core::ConfigError(fmt::format(
        "unknown event path '{}': expected one of inner-dev, max-dev, syscalls (or --path-file)",
        name));
  }
  validate_event_path(p);
  return p;
}

void validate_event_path(const EventPath& path) {
  if (path.encapsulation_bytes < 0 || path.encapsulation_bytes > EventPath::kMaxEncapsulationBytes)
    throw core::ConfigError(fmt::format(
        "event path '{}': encapsulation bytes must be in [0, {}] (VXLAN over IPv4 adds 50), got {}",
        path.name, EventPath::kMaxEncapsulationBytes, path.encapsulation_bytes));
  for (const Direction d : {Direction::kEgress, Direction::kIngress}) {
    const DirectionPath& dp = path.direction(d);
    const std::string dir(to_string(d));
    check_point(path, dir + " start", dp.start);
    check_point(path, dir + " end", dp.end);
    if (dp.start == dp.end)
      throw core::ConfigError(fmt::format(
          "event path '{}': {} starts and ends at the same point {}; expected two different "
          "points",
          path.name, dir, describe(dp.start)));
    if (dp.end.event == PathEvent::kSysEnterSendto || dp.start.event == PathEvent::kSysExitRecv)
      throw core::ConfigError(fmt::format(
          "event path '{}': {}: sys_enter_sendto can only start a direction and the receive "
          "syscall only end one",
          path.name, dir));
    if (is_syscall(dp.start.event) && is_syscall(dp.end.event))
      throw core::ConfigError(
          fmt::format("event path '{}': {}: at most one end may be a syscall", path.name, dir));
  }
  if (path.ingress.start.event == PathEvent::kSysEnterSendto ||
      path.egress.end.event == PathEvent::kSysExitRecv)
    throw core::ConfigError(fmt::format(
        "event path '{}': sendto belongs to egress and the receive syscall to ingress", path.name));
}

}  // namespace rlisim::models::container
