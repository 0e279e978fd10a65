#include "sim/app/command_set.hpp"

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <system_error>

#include "sim/core/error.hpp"
#include "sim/core/output_file.hpp"
#include "sim/sweep/sqlite_db.hpp"

namespace rlisim::app {
namespace {

int run_reporting_errors(const std::function<int()>& action) {
  try {
    return action();
  } catch (const core::ConfigError& e) {
    print_error("rlisim: configuration error: {}\n", e.what());
  } catch (const core::OutputError& e) {
    print_error("rlisim: output error: {}\n", e.what());
  } catch (const sweep::StoreError& e) {
    print_error("rlisim: results database error: {}\n", e.what());
  } catch (const core::TraceError& e) {
    print_error("rlisim: trace error: {}\n", e.what());
  } catch (const std::overflow_error& e) {
    print_error("rlisim: simulation error: {}\n", e.what());
  } catch (const std::invalid_argument& e) {
    print_error("rlisim: invalid setting: {}\n", e.what());
  } catch (const std::system_error& e) {
    // The OS refused a write or a resource (fmt reports a failed write to stdout this way).
    print_error("rlisim: output error: {}\n", e.what());
  } catch (const std::exception& e) {
    print_error("rlisim: internal error: {}\n", e.what());
    return kExitInternal;
  }
  return kExitInput;
}

// Standard output is an output like any file: text that could not be written (a full disk)
// fails the command, even when the failure only shows at the final flush.
int finish_standard_output(int code) {
  std::cout.flush();
  const bool failed = !std::cout || std::fflush(stdout) != 0 || std::ferror(stdout) != 0;
  if (!failed)
    return code;
  print_error("rlisim: output error: standard output: {}\n", std::strerror(errno));
  return code == 0 ? kExitInput : code;
}

}  // namespace

void CommandSet::add(const CLI::App* command, std::function<int()> action) {
  commands_.emplace_back(command, std::move(action));
}

int CommandSet::run_selected() const {
  int code = 0;
  for (const auto& [command, action] : commands_) {
    if (command->parsed()) {
      code = run_reporting_errors(action);
      break;
    }
  }
  return finish_standard_output(code);
}

const CLI::Validator& seed_check() {
  // A text-to-unsigned conversion would turn "-1" into 2^64 - 1, so the text itself is checked.
  static const CLI::Validator check(
      [](std::string& text) -> std::string {
        std::int64_t value = 0;
        const auto* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (ec != std::errc() || ptr != end || value < 0)
          return "expected an integer from 0 to 9223372036854775807, got " + text;
        return "";
      },
      "SEED");
  return check;
}

}  // namespace rlisim::app
