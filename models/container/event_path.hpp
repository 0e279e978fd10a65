#pragma once
// MACE event paths as data: which (device, kernel event) starts and ends the egress and ingress
// measurement of a container's network stack (container.md §1.1).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rlisim::models::container {

/// The kernel events a path can use. Receive-syscall exits (`sys_exit_recvmsg` and
/// `sys_exit_recvmmsg`) are one event here: MACE's poster names recvmmsg, its code traced
/// recvmsg (container.md §1.1), and rlisim accepts either.
enum class PathEvent : std::uint8_t {
  kNetDevQueue,
  kNetDevXmit,
  kNetDevStartXmit,
  kNetifReceiveSkb,
  kNapiGroFragsEntry,
  kNapiGroReceiveEntry,
  kSysEnterSendto,
  kSysExitRecv,
};
inline constexpr std::size_t kPathEventCount = 8;

/// Where an event happens. kNone: syscall events, which carry no device.
enum class DeviceRole : std::uint8_t {
  kNone,       ///< any device / no device (syscalls)
  kContainer,  ///< the container's end of its veth pair (MACE's "veth", eth0 in the container)
  kOuter,      ///< the host's outer device (MACE's "physical" NIC)
};

/// Direction of a packet relative to the container.
enum class Direction : std::uint8_t { kEgress, kIngress };

/// One end of a measured segment.
struct PathPoint {
  DeviceRole role = DeviceRole::kNone;
  PathEvent event = PathEvent::kNetDevXmit;
  bool operator==(const PathPoint&) const = default;
};

/// Start and end of one direction.
struct DirectionPath {
  PathPoint start;
  PathPoint end;
};

/// A complete path with the device names its roles resolve to.
struct EventPath {
  std::string name;
  DirectionPath egress;
  DirectionPath ingress;
  std::string container_device;  ///< name of the kContainer device in the trace
  std::string outer_device;      ///< name of the kOuter device in the trace
  /// Bytes an overlay adds to the packets the outer device sees (VXLAN over IPv4: 50). Only
  /// the syscalls path uses it: its ingress joins the outer receive's length to the receive
  /// syscall's return value, which counts the inner packet. In [0, kMaxEncapsulationBytes].
  std::int64_t encapsulation_bytes = 0;
  static constexpr std::int64_t kMaxEncapsulationBytes = 1024;

  const DirectionPath& direction(Direction d) const {
    return d == Direction::kEgress ? egress : ingress;
  }
  /// True when egress starts at a syscall (matched by PID, container.md §1.2).
  bool egress_by_pid() const { return egress.start.role == DeviceRole::kNone; }
  /// True when ingress ends at a syscall (matched by length, container.md §1.2).
  bool ingress_by_length() const { return ingress.end.role == DeviceRole::kNone; }
};

std::string_view to_string(PathEvent event);
std::string_view to_string(DeviceRole role);
std::string_view to_string(Direction direction);
/// Tracepoint name -> PathEvent; both "sys_exit_recvmsg" and "sys_exit_recvmmsg" (and
/// "sys_exit_recv") give kSysExitRecv. nullopt for anything else.
std::optional<PathEvent> parse_path_event(std::string_view name);
/// "container" (alias "veth", "inner"), "outer" (alias "physical"), "none".
std::optional<DeviceRole> parse_device_role(std::string_view name);

/// Names of the built-in paths: inner-dev, max-dev, syscalls.
inline constexpr std::array<std::string_view, 3> kBuiltinPathNames = {"inner-dev", "max-dev",
                                                                      "syscalls"};

/// A built-in path (container.md §1.1 table) with its device names. max-dev's ingress start is
/// `napi_gro_frags_entry`; drivers without the frags API fire `napi_gro_receive_entry`
/// instead, so pass `gro_receive = true` for those (veth, virtio).
/// @throws core::ConfigError for an unknown name (listing the known ones) or a missing device
///   name that the path needs.
EventPath builtin_event_path(std::string_view name, const std::string& container_device,
                             const std::string& outer_device, bool gro_receive = false);

/// Checks a user-defined path: every point with a device role names a device, syscall events
/// have role kNone and net events a device role, start differs from end in each direction,
/// egress may start (not end) at sendto and ingress may end (not start) at the receive syscall.
/// @throws core::ConfigError naming the direction, point and what was expected.
void validate_event_path(const EventPath& path);

}  // namespace rlisim::models::container
