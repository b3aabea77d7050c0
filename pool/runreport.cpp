#include "runreport.h"

#include "poolsession.h"

#include <cmath>
#include <iomanip>
#include <ostream>

#include <sys/utsname.h>

namespace poolscope {

namespace {

// A small streaming JSON writer: enough for the report, no dependency.
class Json {
public:
    explicit Json(std::ostream &out) : m_out(out) { m_out << std::setprecision(15); }

    void beginObject() { open('{'); }
    void endObject() { close('}'); }
    void beginArray() { open('['); }
    void endArray() { close(']'); }

    Json &key(std::string_view name)
    {
        separate();
        string(name);
        m_out << ':';
        m_afterKey = true;
        return *this;
    }
    void value(std::string_view text)
    {
        separate();
        string(text);
    }
    void value(const char *text) { value(std::string_view(text)); }
    void value(double number)
    {
        separate();
        if (std::isfinite(number))
            m_out << number;
        else
            m_out << "null"; // JSON has no NaN or infinity
    }
    void value(std::uint64_t number)
    {
        separate();
        m_out << number;
    }
    void value(std::uint32_t number) { value(static_cast<std::uint64_t>(number)); }
    void value(int number)
    {
        separate();
        m_out << number;
    }
    void value(bool flag)
    {
        separate();
        m_out << (flag ? "true" : "false");
    }
    void time(std::chrono::system_clock::time_point at)
    {
        value(static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count()) /
              1000.0);
    }

private:
    void open(char bracket)
    {
        separate();
        m_out << bracket;
        m_first = true;
    }
    void close(char bracket)
    {
        m_out << bracket;
        m_first = false;
    }
    void separate()
    {
        if (m_afterKey) {
            m_afterKey = false;
            return;
        }
        if (!m_first)
            m_out << ',';
        m_first = false;
    }
    void string(std::string_view text)
    {
        m_out << '"';
        for (const char c : text) {
            switch (c) {
            case '"': m_out << "\\\""; break;
            case '\\': m_out << "\\\\"; break;
            case '\n': m_out << "\\n"; break;
            case '\r': m_out << "\\r"; break;
            case '\t': m_out << "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20)
                    m_out << "\\u" << std::hex << std::setw(4) << std::setfill('0') << int(c) << std::dec << std::setfill(' ');
                else
                    m_out << c;
            }
        }
        m_out << '"';
    }

    std::ostream &m_out;
    bool m_first = true;
    bool m_afterKey = false;
};

void latency(Json &json, std::string_view name, const LatencySummary &s)
{
    json.key(name).beginObject();
    json.key("count").value(s.count);
    json.key("p50_ns").value(s.p50);
    json.key("p90_ns").value(s.p90);
    json.key("p99_ns").value(s.p99);
    json.key("p999_ns").value(s.p999);
    json.key("max_ns").value(s.max);
    json.key("mean_ns").value(s.mean);
    json.endObject();
}

void counters(Json &json, const PoolSnapshot &s)
{
    json.key("posted").value(s.posted);
    json.key("started").value(s.started);
    json.key("completed").value(s.completed);
    json.key("failed").value(s.failed);
    json.key("cancelled").value(s.cancelled);
    json.key("rejected").value(s.rejected);
    json.key("queued").value(s.queued);
    json.key("in_flight").value(s.inFlight);
    json.key("target_workers").value(s.targetWorkers);
    json.key("live_workers").value(s.liveWorkers);
    json.key("idle_workers").value(s.idleWorkers);
    json.key("running_workers").value(s.runningWorkers);
    json.key("blocked_workers").value(s.blockedWorkers);
    json.key("retiring_workers").value(s.retiringWorkers);
    json.key("concurrency").value(s.concurrency);
    json.key("peak_queued").value(s.peakQueued);
    json.key("peak_running").value(s.peakRunning);
    json.key("parks").value(s.parks);
    json.key("wakes").value(s.wakes);
    json.key("exception_reports_dropped").value(s.exceptionReportsDropped);
    json.key("state").value(nameOf(s.state));
    json.key("policy").value(nameOf(s.policy));
}

} // namespace

RunReport captureRunReport(const PoolSession &session, ReportContext context, MetricsView *metrics)
{
    RunReport report;
    const SessionStatus status = session.status();
    report.poolscopeVersion = std::move(context.poolscopeVersion);
    report.runNumber = status.run.number;
    report.runStarted = status.run.started;
    report.exportedAt = std::chrono::system_clock::now();
    report.durationSeconds = std::chrono::duration<double>(report.exportedAt - report.runStarted).count();
    report.backend = WorkerPool::backendName();
    report.processors = CompletionPort::processorCount();
    report.operatingSystem = operatingSystemName();
    const SessionSettings &settings = session.settings();
    report.pool.workers = settings.workers;
    report.pool.concurrency = settings.concurrency;
    report.pool.policy = settings.policy;
    report.load = settings.load;
    report.loadState = std::string(nameOf(status.load));
    report.sampleRateHz = status.samplingRateHz;

    MetricsView view = session.metrics();
    report.counters = view.snapshot;
    report.queueWaitSinceStart = view.queueWait.summary();
    report.serviceTimeSinceStart = view.serviceTime.summary();
    if (metrics)
        *metrics = std::move(view);
    report.history = session.history(context.historySamples);
    if (!report.history.empty()) {
        report.postsPerSecond = report.history.back().postsPerSecond;
        report.completionsPerSecond = report.history.back().completionsPerSecond;
        report.failuresPerSecond = report.history.back().failuresPerSecond;
    }
    report.exceptions = session.exceptions().rows();
    return report;
}

std::string operatingSystemName()
{
    utsname name{};
    if (uname(&name) != 0)
        return "unknown";
    return std::string(name.sysname) + ' ' + name.release + ' ' + name.machine;
}

void writeJson(std::ostream &out, const RunReport &r)
{
    Json json(out);
    json.beginObject();
    json.key("format").value(RunReport::Format);
    json.key("poolscope_version").value(r.poolscopeVersion);
    json.key("exported_at").time(r.exportedAt);
    json.key("duration_s").value(r.durationSeconds);
    json.key("run").beginObject();
    json.key("number").value(r.runNumber);
    json.key("started").time(r.runStarted);
    json.endObject();
    json.key("host").beginObject();
    json.key("backend").value(r.backend);
    json.key("processors").value(r.processors);
    json.key("os").value(r.operatingSystem);
    json.endObject();

    json.key("configuration").beginObject();
    json.key("pool").beginObject();
    json.key("workers").value(r.pool.workers);
    json.key("concurrency").value(r.pool.concurrency);
    json.key("policy").value(nameOf(r.pool.policy));
    json.key("exception_report_capacity").value(static_cast<std::uint64_t>(r.pool.exceptionReportCapacity));
    json.key("measure_latency").value(r.pool.measureLatency);
    json.endObject();
    json.key("load").beginObject();
    json.key("state").value(r.loadState);
    json.key("producers").value(r.load.producers);
    json.key("pattern").value(nameOf(r.load.pattern));
    json.key("rate_per_s").value(r.load.ratePerSecond);
    json.key("burst_size").value(r.load.burstSize);
    json.key("burst_interval_ms").value(static_cast<std::uint64_t>(r.load.burstInterval.count()));
    json.key("period_ms").value(static_cast<std::uint64_t>(r.load.period.count()));
    json.key("cost_distribution").value(nameOf(r.load.costDistribution));
    json.key("mean_cost_us").value(static_cast<std::uint64_t>(r.load.meanCost.count()));
    json.key("blocking_share").value(r.load.blockingShare);
    json.key("blocking_time_us").value(static_cast<std::uint64_t>(r.load.blockingTime.count()));
    json.key("exception_probability").value(r.load.exceptionProbability);
    json.key("exception_type").value(nameOf(r.load.exceptionType));
    json.key("queue_cap").value(r.load.queueCap);
    json.endObject();
    json.key("sample_rate_hz").value(r.sampleRateHz);
    json.endObject();

    json.key("counters").beginObject();
    counters(json, r.counters);
    json.endObject();
    json.key("rates").beginObject();
    json.key("posts_per_s").value(r.postsPerSecond);
    json.key("completions_per_s").value(r.completionsPerSecond);
    json.key("failures_per_s").value(r.failuresPerSecond);
    json.endObject();
    json.key("latency_since_start").beginObject();
    latency(json, "queue_wait", r.queueWaitSinceStart);
    latency(json, "service", r.serviceTimeSinceStart);
    json.endObject();

    json.key("history").beginArray();
    const double origin = r.history.empty() ? 0 : static_cast<double>(r.history.front().pool.timestampNs);
    for (const Sample &sample : r.history) {
        json.beginObject();
        json.key("sequence").value(sample.sequence);
        json.key("time_s").value((static_cast<double>(sample.pool.timestampNs) - origin) / 1e9);
        counters(json, sample.pool);
        json.key("posts_per_s").value(sample.postsPerSecond);
        json.key("completions_per_s").value(sample.completionsPerSecond);
        json.key("failures_per_s").value(sample.failuresPerSecond);
        latency(json, "queue_wait", sample.queueWait);
        latency(json, "service", sample.serviceTime);
        json.endObject();
    }
    json.endArray();

    json.key("exceptions").beginArray();
    for (const ExceptionSummary &e : r.exceptions) {
        json.beginObject();
        json.key("type").value(e.typeName);
        json.key("message").value(e.message);
        json.key("count").value(e.count);
        json.key("first").time(e.first);
        json.key("last").time(e.last);
        json.key("workers").beginArray();
        for (std::uint32_t worker : e.workers)
            json.value(worker);
        json.endArray();
        json.endObject();
    }
    json.endArray();
    json.endObject();
    out << '\n';
}

} // namespace poolscope
