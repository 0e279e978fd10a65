// Text and JSON printers of the MACE reproduction tables.

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/container/mace/reproduction.hpp"
#include "sim/core/json_text.hpp"

namespace rlisim::container::mace {
namespace {

std::string verdict(const ReproductionRow& r) {
  if (!r.band_low || !r.band_high)
    return "-";
  if (r.calibration)
    return "calib";
  return r.within() ? "within" : "MISS";
}

std::string band_text(const ReproductionRow& r) {
  if (!r.band_low || !r.band_high)
    return "";
  if (*r.band_high > 1e8)
    return fmt::format(">= {:g}", *r.band_low);
  if (*r.band_low < -1e8)
    return fmt::format("<= {:g}", *r.band_high);
  return fmt::format("[{:.1f}, {:.1f}]", *r.band_low, *r.band_high);
}

}  // namespace

void print_reproduction(const std::vector<ReproductionTable>& tables, std::ostream& out) {
  std::size_t within = 0, banded = 0, calibrations = 0;
  for (const auto& t : tables) {
    out << fmt::format("\n{}: {}\n", t.id, t.title);
    out << fmt::format("  {:<52} {:>10} {:>18} {:>16} {:>7}\n", "quantity", "simulated",
                       "published", "band", "verdict");
    for (const auto& r : t.rows) {
      out << fmt::format("  {:<52} {:>10.2f} {:>18} {:>16} {:>7}\n", r.label, r.simulated,
                         r.published, band_text(r), verdict(r));
      if (r.band_low && r.band_high && !r.calibration) {
        ++banded;
        within += r.within();
      } else if (r.calibration) {
        ++calibrations;
      }
    }
    for (const auto& n : t.notes)
      out << "  note: " << n << '\n';
  }
  out << fmt::format(
      "\n{} of {} banded rows within their band ({} calibration rows not counted).\n", within,
      banded, calibrations);
}

void print_reproduction_json(const std::vector<ReproductionTable>& tables, std::uint64_t seed,
                             std::ostream& out) {
  nlohmann::json j;
  j["seed"] = seed;
  j["tables"] = nlohmann::json::array();
  for (const auto& t : tables) {
    nlohmann::json jt;
    jt["id"] = t.id;
    jt["title"] = t.title;
    jt["notes"] = t.notes;
    jt["rows"] = nlohmann::json::array();
    for (const auto& r : t.rows) {
      nlohmann::json jr;
      jr["quantity"] = r.label;
      jr["simulated"] = r.simulated;
      jr["published"] = r.published;
      if (r.band_low && r.band_high) {
        jr["band"] = {*r.band_low, *r.band_high};
        jr["band_basis"] = r.band_basis;
        jr["within"] = r.within();
        jr["calibration"] = r.calibration;
      }
      jt["rows"].push_back(jr);
    }
    j["tables"].push_back(jt);
  }
  out << core::json_text(j) << '\n';
}

}  // namespace rlisim::container::mace
