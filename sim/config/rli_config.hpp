#pragma once
// Reading the [rli] table of an experiment configuration.

#include <cstdint>

#include "models/rli/reference_policy.hpp"
#include "models/rli/rli_receiver.hpp"
#include "sim/config/toml_section.hpp"

namespace rlisim::config {

/// Reference Latency Interpolation on the router ([rli]): a reference generator and a receiver
/// on each measured egress port.
struct RliSpec {
  bool enabled = false;
  models::rli::ReferencePolicyConfig policy;
  /// The adaptive preset the table came from ("" if given explicitly or not adaptive).
  std::string preset;
  /// Also names the measured egress ports (receiver.ports): each has a generator and a
  /// receiver.
  models::rli::ReceiverConfig receiver;
  /// serialization_correction = "both": a second receiver, named "rli_corrected", applies the
  /// correction to the same references (no extra packet on the wire) while "rli" does not.
  bool corrected_twin = false;
  /// Also simulate the same traffic without references (in lock step, on an identical
  /// router) to measure interference and the loss-rate difference.
  bool interference = true;
};

/// Reads [rli] (see configs/rli.toml for every key). `port_count` bounds the port numbers;
/// `seed` is the experiment seed (the periodic jitter draws from it).
/// @throws core::ConfigError naming the key and line on any problem.
RliSpec read_rli(TomlSection& s, std::size_t port_count, std::uint64_t seed);

}  // namespace rlisim::config
