#include "sim/run/report/error_json.hpp"

#include "sim/core/json_text.hpp"

namespace rlisim::run {
namespace {

using core::json_number;
using nlohmann::ordered_json;

ordered_json cdf_json(const std::vector<models::CdfPoint>& cdf) {
  ordered_json points = ordered_json::array();
  for (const auto& p : cdf)
    points.push_back(ordered_json::array({p.value, p.fraction}));
  return points;
}

}  // namespace

ordered_json error_json(const models::ErrorSummary& s) {
  ordered_json classes = ordered_json::array();
  for (const auto& c : s.classes) {
    ordered_json j;
    j["min_packets"] = c.min_packets;
    j["flows"] = c.flows;
    j["excluded_zero_truth"] = c.excluded_zero_truth;
    j["no_estimate"] = c.no_estimate;
    j["median"] = json_number(c.median);
    j["p90"] = json_number(c.p90);
    j["p99"] = json_number(c.p99);
    j["mean"] = json_number(c.mean);
    j["max"] = json_number(c.max);
    j["signed_median"] = json_number(c.signed_median);
    j["cdf"] = cdf_json(c.cdf);
    classes.push_back(j);
  }
  return classes;
}

}  // namespace rlisim::run
