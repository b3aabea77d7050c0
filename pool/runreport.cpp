#include "runreport.h"

#include "jsonwriter.h"
#include "poolsession.h"
#include "snapshotfields.h"

#include <cmath>
#include <ostream>
#include <variant>

namespace poolscope {

namespace {

// Every field of snapshotfields.h, in the table's order.
void counters(JsonWriter &json, const PoolSnapshot &s)
{
    for (const SnapshotField &field : snapshotFields()) {
        json.key(field.name);
        std::visit([&json](const auto &value) { json.value(value); }, field.read(s));
    }
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
    report.ioLatencySinceStart = view.ioLatency.summary();
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

void writeJson(std::ostream &out, const RunReport &r)
{
    JsonWriter json(out);
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
    writeLatencySummary(json, "queue_wait", r.queueWaitSinceStart);
    writeLatencySummary(json, "service", r.serviceTimeSinceStart);
    writeLatencySummary(json, "io", r.ioLatencySinceStart);
    json.endObject();

    json.key("history").beginArray();
    const double origin = r.history.empty() ? 0 : static_cast<double>(r.history.front().pool.timestampNs);
    for (const Sample &sample : r.history) {
        json.beginObject();
        json.key("sequence").value(sample.sequence);
        json.key("time_s").value((static_cast<double>(sample.pool.timestampNs) - origin) / 1e9);
        counters(json, sample.pool);
        for (const SampleField &field : sampleFields())
            json.key(field.name).value(sample.*field.member);
        writeLatencySummary(json, "queue_wait", sample.queueWait);
        writeLatencySummary(json, "service", sample.serviceTime);
        writeLatencySummary(json, "io", sample.ioLatency);
        json.endObject();
    }
    json.endArray();
    writeWatchJson(json, r.watch, static_cast<std::uint64_t>(origin));

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
