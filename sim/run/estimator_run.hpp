#pragma once
// One estimator of a run, and how the outputs show it.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "models/flow_estimator.hpp"
#include "models/metrics/delay_autocorrelation.hpp"
#include "models/metrics/estimator_score.hpp"
#include "models/metrics/flow_ledger.hpp"
#include "models/truth/ground_truth.hpp"
#include "sim/core/flow_key.hpp"

namespace rlisim::run {

/// What the run's port diagnostics know about one port, for an estimator that explains its
/// result per port.
struct PortView {
  std::size_t port = 0;
  const models::DelayAutocorrelation& autocorrelation;
  /// The run's arrival window.
  double window_seconds = 0;
};

/// An estimator of the run. The writers of summary.json, flows.csv and the text summary show
/// every estimator through these hooks alone. The defaults show what any FlowEstimator gives
/// (its score, its estimate of each flow); an estimator with more to report derives from this
/// record and overrides the parts it extends, so the writers need no case of their own for it.
class EstimatorRun {
 public:
  explicit EstimatorRun(std::unique_ptr<models::FlowEstimator> estimator);
  virtual ~EstimatorRun();
  EstimatorRun(const EstimatorRun&) = delete;
  EstimatorRun& operator=(const EstimatorRun&) = delete;

  models::FlowEstimator& estimator() { return *estimator_; }
  const models::FlowEstimator& estimator() const { return *estimator_; }

  /// Fills its entry under summary.json "estimators"; `score` is its row of the comparison.
  /// Default: its counters, cost and per-flow error.
  virtual void summary_entry(const models::EstimatorScore& score,
                             nlohmann::ordered_json& entry) const;
  /// Its flows.csv columns, each with a leading comma: the names, and one flow's fields.
  /// Default: samples, mean, std (when it gives one), relative error of the mean.
  virtual void append_flow_columns(std::string& header) const;
  /// `estimate` is the row's estimate by this estimator.
  virtual void append_flow_fields(std::string& row, const models::FlowRow& flow,
                                  const std::optional<models::FlowDelayEstimate>& estimate) const;
  /// Lines for the text summary, after the true delay. Default: none.
  virtual void append_text_summary(std::string& text) const;
  /// Keys for a port's "diagnostics" object in summary.json and lines after the port's line in
  /// the text summary. Default: none.
  virtual void add_port_diagnostics(const PortView& port,
                                    nlohmann::ordered_json& diagnostics) const;
  virtual void append_port_text(const PortView& port, std::string& text) const;

 private:
  std::unique_ptr<models::FlowEstimator> estimator_;
};

}  // namespace rlisim::run
