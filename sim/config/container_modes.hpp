#pragma once
// The container network-mode catalog: stack-model parameters per mode, each with its source,
// loaded from configs/container/modes.toml (or a file written by `rlisim container fit`).

#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "models/container/stack_model.hpp"

namespace rlisim::config {

/// One [modes.NAME] table.
struct ContainerModeEntry {
  /// The table name; one of the config mode names unless the table sets `mode` explicitly
  /// (then any name, e.g. a fitted variant "bridge-nat-myhost").
  std::string name;
  models::container::ModeParams params;
  /// Parameter ("cold_gap", "wire_overhead_bytes", "egress.fixed_median"...) -> "tag: basis",
  /// tag one of primary, derived, reported, model, fitted.
  std::map<std::string, std::string, std::less<>> sources;
};

/// Every mode of one file, in mode-name order (TOML tables are unordered).
struct ContainerModeCatalog {
  std::string file;
  std::vector<ContainerModeEntry> modes;

  /// The entry named `name`, or nullptr.
  const ContainerModeEntry* find(std::string_view name) const;
  /// The parameters of the entry named `name`.
  /// @throws core::ConfigError naming the file and the known names.
  const models::container::ModeParams& at(std::string_view name) const;
  /// The parameters of the first entry whose mode is `mode`.
  /// @throws core::ConfigError naming the file.
  const models::container::ModeParams& at(models::container::NetworkMode mode) const;
};

/// Every parameter key a mode's `source` table may name, in file order.
const std::vector<std::string>& container_mode_parameter_keys();

/// Parses a modes file's text; `name` (the file) goes into messages.
/// @throws core::ConfigError "NAME:LINE: key 'modes.X.egress.Y': expected ..." for syntax
/// errors, unknown keys, missing or out-of-range parameters, unknown mode names, source tables
/// naming unknown parameters or lacking a confidence tag.
ContainerModeCatalog parse_container_modes(std::string_view text, const std::string& name);

/// Loads a modes file.
/// @throws core::ConfigError if the file cannot be read, or as parse_container_modes.
ContainerModeCatalog load_container_modes(const std::string& path);

/// The built-in catalog with the entries of the modes file `path` in front, replacing built-in
/// entries of the same name (so a file holding one fitted mode is enough); empty `path`: the
/// built-in catalog alone. What the commands' --modes option gives them.
/// @throws core::ConfigError as load_container_modes.
ContainerModeCatalog container_modes_with(const std::string& path);

/// The committed configs/container/modes.toml of this source tree.
/// @throws core::ConfigError as load_container_modes.
ContainerModeCatalog default_container_modes();

/// Writes one entry as a [modes.NAME] table set (parameters and sources) that
/// load_container_modes reads back.
void write_container_mode(std::ostream& out, const ContainerModeEntry& entry);

}  // namespace rlisim::config
