#include "metricsexport.h"

#include <iomanip>
#include <ostream>
#include <sstream>

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

    void family(const std::string &name, const char *type, const char *help)
    {
        m_out << "# HELP " << name << ' ' << help << '\n' << "# TYPE " << name << ' ' << type << '\n';
    }

    void counter(const char *name, const char *help, std::uint64_t value)
    {
        // OpenMetrics names the family without the suffix; the older text format names the sample.
        const std::string sample = std::string(name) + "_total";
        family(m_format == MetricsFormat::OpenMetrics ? std::string(name) : sample, "counter", help);
        m_out << sample << ' ' << value << '\n';
    }

    void gauge(const char *name, const char *help, double value)
    {
        family(name, "gauge", help);
        m_out << name << ' ' << value << '\n';
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

} // namespace

void writeMetrics(std::ostream &out, const MetricsView &view, MetricsFormat format)
{
    const PoolSnapshot &s = view.snapshot;
    out << std::setprecision(10);
    MetricsWriter w(out, format);
    w.info("poolscope_build", "backend=\"" + view.backend + "\"", "The completion port backend of this Poolscope.");
    w.counter("poolscope_units_posted", "Work units accepted by the pool.", s.posted);
    w.counter("poolscope_units_started", "Work units a worker started.", s.started);
    w.counter("poolscope_units_completed", "Work units that ran to the end.", s.completed);
    w.counter("poolscope_units_failed", "Work units that threw.", s.failed);
    w.counter("poolscope_units_cancelled", "Work units destroyed without running.", s.cancelled);
    w.counter("poolscope_units_rejected", "Posts refused because the pool was not accepting.", s.rejected);
    w.counter("poolscope_worker_parks", "Times a worker went to sleep waiting for work.", s.parks);
    w.counter("poolscope_worker_wakes", "Times a post woke a sleeping worker.", s.wakes);
    w.counter("poolscope_exception_reports_dropped", "Exception reports lost to a full report queue.",
              s.exceptionReportsDropped);
    w.gauge("poolscope_units_queued", "Work units waiting in the port.", static_cast<double>(s.queued));
    w.gauge("poolscope_units_in_flight", "Work units started and not finished.", static_cast<double>(s.inFlight));
    w.gauge("poolscope_units_queued_peak", "Peak of queued units since the last reset.", static_cast<double>(s.peakQueued));
    w.family("poolscope_workers", "gauge", "Worker threads by state.");
    out << "poolscope_workers{state=\"target\"} " << s.targetWorkers << '\n'
        << "poolscope_workers{state=\"live\"} " << s.liveWorkers << '\n'
        << "poolscope_workers{state=\"idle\"} " << s.idleWorkers << '\n'
        << "poolscope_workers{state=\"running\"} " << s.runningWorkers << '\n'
        << "poolscope_workers{state=\"blocked\"} " << s.blockedWorkers << '\n'
        << "poolscope_workers{state=\"retiring\"} " << s.retiringWorkers << '\n';
    w.gauge("poolscope_workers_running_peak", "Peak of running workers since the last reset.", s.peakRunning);
    w.gauge("poolscope_concurrency_limit", "Threads the port lets run at once.", s.concurrency);
    w.histogram("poolscope_queue_wait_seconds", "Time from post to start of a unit.", view.queueWait);
    w.histogram("poolscope_service_seconds", "Time from start to end of a unit.", view.serviceTime);
    if (format == MetricsFormat::OpenMetrics)
        out << "# EOF\n";
}

void writeCsv(std::ostream &out, const std::vector<Sample> &samples)
{
    static const char *const header[] = {
        "sequence", "time_s", "posted", "started", "completed", "failed", "cancelled", "rejected", "queued",
        "in_flight", "target_workers", "live_workers", "idle_workers", "running_workers", "blocked_workers",
        "retiring_workers", "concurrency", "peak_queued", "peak_running", "parks", "wakes", "reports_dropped",
        "state", "policy", "posts_per_s", "completions_per_s", "failures_per_s", "queue_wait_p50_ns",
        "queue_wait_p90_ns", "queue_wait_p99_ns", "queue_wait_p999_ns", "queue_wait_max_ns", "service_p50_ns",
        "service_p90_ns", "service_p99_ns", "service_p999_ns", "service_max_ns"};
    for (std::size_t i = 0; i < std::size(header); ++i)
        out << (i ? "," : "") << header[i];
    out << "\r\n";
    const double origin = samples.empty() ? 0 : static_cast<double>(samples.front().pool.timestampNs);
    out << std::setprecision(12);
    for (const Sample &sample : samples) {
        const PoolSnapshot &s = sample.pool;
        out << sample.sequence << ',' << (static_cast<double>(s.timestampNs) - origin) / 1e9 << ',' << s.posted << ','
            << s.started << ',' << s.completed << ',' << s.failed << ',' << s.cancelled << ',' << s.rejected << ','
            << s.queued << ',' << s.inFlight << ',' << s.targetWorkers << ',' << s.liveWorkers << ',' << s.idleWorkers
            << ',' << s.runningWorkers << ',' << s.blockedWorkers << ',' << s.retiringWorkers << ',' << s.concurrency
            << ',' << s.peakQueued << ',' << s.peakRunning << ',' << s.parks << ',' << s.wakes << ','
            << s.exceptionReportsDropped << ',';
        csvField(out, nameOf(s.state));
        out << ',';
        csvField(out, nameOf(s.policy));
        out << ',' << sample.postsPerSecond << ',' << sample.completionsPerSecond << ',' << sample.failuresPerSecond;
        for (const LatencySummary *l : {&sample.queueWait, &sample.serviceTime})
            out << ',' << l->p50 << ',' << l->p90 << ',' << l->p99 << ',' << l->p999 << ',' << l->max;
        out << "\r\n";
    }
}

MetricsView metricsOf(const WorkerPool &pool)
{
    MetricsView view;
    view.snapshot = pool.snapshot();
    pool.addLatencyHistograms(view.queueWait, view.serviceTime);
    view.backend = WorkerPool::backendName();
    return view;
}

} // namespace poolscope
