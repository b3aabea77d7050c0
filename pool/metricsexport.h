#pragma once
// The data formats Poolscope exports, written by the Qt-free core so that the GUI, the
// headless mode and the /metrics endpoint write the same bytes:
//  - OpenMetrics text (Prometheus' exposition format, with "# EOF");
//  - a time series as CSV (RFC 4180), one row per sample;
// Pure functions of plain values: call them from any thread.

#include "alertrules.h"
#include "latencyhistogram.h"
#include "poolsnapshot.h"
#include "sampler.h"
#include "workerpool.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace poolscope {

struct MetricsView {
    PoolSnapshot snapshot;
    LatencyHistogram queueWait;   // since the start
    LatencyHistogram serviceTime; // since the start
    LatencyHistogram ioLatency;   // since the start: I/O start to completion (empty without I/O)
    std::string backend;
    std::vector<AlertRuleState> alerts; // the alert rules' states (SessionWatch): a gauge per rule
};

// The pool's counters and its latency since the start, read now. Thread-safe; costs a pass
// over each worker's histogram buckets, so call it per scrape or export, not per unit.
MetricsView metricsOf(const WorkerPool &pool);

enum class MetricsFormat {
    OpenMetrics,    // application/openmetrics-text; version=1.0.0: families named without _total, "# EOF"
    PrometheusText, // text/plain; version=0.0.4: what `promtool check metrics` validates
};

// Counters as `poolscope_*_total`, gauges in base units, the latency histograms as
// histogram families with `_seconds` buckets, HELP and TYPE for each; with alert rules,
// poolscope_alert_firing{rule="NAME"} (1 while it fires) and poolscope_alert_fires_total.
void writeMetrics(std::ostream &out, const MetricsView &view, MetricsFormat format);

// Header row, then one row per sample: every counter, rate and latency percentile.
void writeCsv(std::ostream &out, const std::vector<Sample> &samples);


} // namespace poolscope
