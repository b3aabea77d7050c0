#include "metricsexport.h"

#include "snapshotfields.h"

#include <iomanip>
#include <ostream>
#include <sstream>
#include <string_view>
#include <variant>

namespace poolscope {

namespace {

// Bucket bounds for the exported histograms, in seconds: 1-2-5 steps from 1 us to 100 s.
// The internal histogram has 4352 buckets; a scrape wants a few dozen.
const std::vector<double> &exportBounds()
{
    static const std::vector<double> bounds = [] {
        std::vector<double> b;
        for (double decade = 1e-6; decade < 200; decade *= 10)
            for (double step : {1.0, 2.0, 5.0})
                if (decade * step <= 100)
                    b.push_back(decade * step);
        return b;
    }();
    return bounds;
}

class MetricsWriter {
public:
    MetricsWriter(std::ostream &out, MetricsFormat format) : m_out(out), m_format(format) {}

    void family(std::string_view name, const char *type, std::string_view help)
    {
        m_out << "# HELP " << name << ' ' << help << '\n' << "# TYPE " << name << ' ' << type << '\n';
    }

    // HELP and TYPE of a field's family. OpenMetrics names a counter family without the
    // suffix; the older text format names it as its samples are named, with "_total".
    void family(FieldKind kind, std::string_view name, std::string_view help)
    {
        if (kind != FieldKind::Counter)
            return family(name, "gauge", help);
        if (m_format == MetricsFormat::OpenMetrics)
            return family(name, "counter", help);
        family(std::string(name) + "_total", "counter", help);
    }

    // One field's sample; with its own HELP and TYPE when it is a family of its own.
    void sample(const SnapshotField &field, const FieldValue &value, bool ownFamily)
    {
        if (ownFamily)
            family(field.kind, field.metric, field.help);
        m_out << field.metricFamily() << (field.kind == FieldKind::Counter ? "_total" : "");
        if (!field.metricLabels().empty())
            m_out << '{' << field.metricLabels() << '}';
        m_out << ' ';
        std::visit([this](const auto &v) { m_out << v; }, value);
        m_out << '\n';
    }

    void info(const char *name, const std::string &labels, const char *help)
    {
        const std::string sample = std::string(name) + "_info";
        if (m_format == MetricsFormat::OpenMetrics)
            family(name, "info", help);
        else
            family(sample, "gauge", help);
        m_out << sample << '{' << labels << "} 1\n";
    }

    void histogram(const char *name, const char *help, const LatencyHistogram &histogram)
    {
        family(name, "histogram", help);
        for (double bound : exportBounds()) {
            const auto nanoseconds = static_cast<std::uint64_t>(bound * 1e9 + 0.5);
            m_out << name << "_bucket{le=\"" << bound << "\"} " << histogram.countAtOrBelow(nanoseconds) << '\n';
        }
        m_out << name << "_bucket{le=\"+Inf\"} " << histogram.count() << '\n';
        m_out << name << "_count " << histogram.count() << '\n';
        m_out << name << "_sum " << static_cast<double>(histogram.sum()) / 1e9 << '\n';
    }

    std::ostream &out() { return m_out; }

private:
    std::ostream &m_out;
    MetricsFormat m_format;
};

std::string_view labelledFamilyHelp(std::string_view family)
{
    for (const MetricFamilyHelp &labelled : labelledMetricFamilies())
        if (labelled.family == family)
            return labelled.help;
    return family; // tst_snapshotfields makes sure every labelled family has its row
}

void csvField(std::ostream &out, std::string_view text)
{
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
        out << text;
        return;
    }
    out << '"';
    for (char c : text) {
        if (c == '"')
            out << '"';
        out << c;
    }
    out << '"';
}

void csvValue(std::ostream &out, std::uint64_t value) { out << value; }
void csvValue(std::ostream &out, double value) { out << value; }
void csvValue(std::ostream &out, std::string_view text) { csvField(out, text); }

} // namespace

void writeMetrics(std::ostream &out, const MetricsView &view, MetricsFormat format)
{
    out << std::setprecision(10);
    MetricsWriter w(out, format);
    w.info("poolscope_build", "backend=\"" + view.backend + "\"", "The completion port backend of this Poolscope.");
    std::string_view openFamily; // the labelled family whose samples are being written
    for (const SnapshotField &field : snapshotFields()) {
        if (field.metric.empty())
            continue;
        const std::string_view family = field.metricFamily();
        if (field.metricLabels().empty())
            openFamily = {};
        else if (family != openFamily) {
            w.family(field.kind, family, labelledFamilyHelp(family));
            openFamily = family;
        }
        w.sample(field, field.metricValue(view.snapshot), openFamily.empty());
    }
    w.histogram("poolscope_queue_wait_seconds", "Time from post to start of a unit.", view.queueWait);
    w.histogram("poolscope_service_seconds", "Time from start to end of a unit.", view.serviceTime);
    w.histogram("poolscope_io_latency_seconds", "Time from the start of an I/O operation to its completion.",
                view.ioLatency);
    if (!view.alerts.empty()) { // rule names are [A-Za-z0-9_.-]: label values that need no escaping
        w.family("poolscope_alert_firing", "gauge", "1 while the alert rule fires, else 0.");
        for (const AlertRuleState &alert : view.alerts)
            out << "poolscope_alert_firing{rule=\"" << alert.rule << "\"} " << (alert.firing ? 1 : 0) << '\n';
        w.family(FieldKind::Counter, "poolscope_alert_fires", "Times the alert rule fired in this run.");
        for (const AlertRuleState &alert : view.alerts)
            out << "poolscope_alert_fires_total{rule=\"" << alert.rule << "\"} " << alert.fires << '\n';
    }
    if (format == MetricsFormat::OpenMetrics)
        out << "# EOF\n";
}

void writeCsv(std::ostream &out, const std::vector<Sample> &samples)
{
    // The snapshot's fields, then the sample's own (both tables in snapshotfields.h), then latency.
    out << "sequence,time_s";
    for (const SnapshotField &field : snapshotFields())
        out << ',' << field.name;
    for (const SampleField &field : sampleFields())
        out << ',' << field.name;
    for (const char *latency : {"queue_wait", "service", "io"})
        for (const char *percentile : {"p50", "p90", "p99", "p999", "max"})
            out << ',' << latency << '_' << percentile << "_ns";
    out << "\r\n";
    const double origin = samples.empty() ? 0 : static_cast<double>(samples.front().pool.timestampNs);
    out << std::setprecision(12);
    for (const Sample &sample : samples) {
        out << sample.sequence << ',' << (static_cast<double>(sample.pool.timestampNs) - origin) / 1e9;
        for (const SnapshotField &field : snapshotFields()) {
            out << ',';
            std::visit([&out](const auto &value) { csvValue(out, value); }, field.read(sample.pool));
        }
        for (const SampleField &field : sampleFields())
            out << ',' << sample.*field.member;
        for (const LatencySummary *l : {&sample.queueWait, &sample.serviceTime, &sample.ioLatency})
            out << ',' << l->p50 << ',' << l->p90 << ',' << l->p99 << ',' << l->p999 << ',' << l->max;
        out << "\r\n";
    }
}

MetricsView metricsOf(const WorkerPool &pool)
{
    MetricsView view;
    view.snapshot = pool.snapshot();
    pool.addLatencyHistograms(view.queueWait, view.serviceTime);
    pool.addIoLatencyHistogram(view.ioLatency);
    view.backend = WorkerPool::backendName();
    return view;
}

} // namespace poolscope
