#include "snapshotreader.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

using namespace poolscope;

namespace {

std::uint64_t u64(const QJsonObject &object, const char *key)
{
    const double value = object.value(QLatin1String(key)).toDouble();
    return std::isfinite(value) && value > 0 ? static_cast<std::uint64_t>(value) : 0;
}

std::uint32_t u32(const QJsonObject &object, const char *key) { return static_cast<std::uint32_t>(u64(object, key)); }

std::string text(const QJsonObject &object, const char *key)
{
    return object.value(QLatin1String(key)).toString().toStdString();
}

std::chrono::system_clock::time_point time(const QJsonObject &object, const char *key)
{
    const auto ms = std::llround(object.value(QLatin1String(key)).toDouble() * 1000.0);
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

LatencySummary latency(const QJsonObject &object)
{
    LatencySummary s;
    s.count = u64(object, "count");
    s.p50 = u64(object, "p50_ns");
    s.p90 = u64(object, "p90_ns");
    s.p99 = u64(object, "p99_ns");
    s.p999 = u64(object, "p999_ns");
    s.max = u64(object, "max_ns");
    s.mean = object.value(QLatin1String("mean_ns")).toDouble();
    return s;
}

void counters(const QJsonObject &o, PoolSnapshot &s)
{
    s.posted = u64(o, "posted");
    s.started = u64(o, "started");
    s.completed = u64(o, "completed");
    s.failed = u64(o, "failed");
    s.cancelled = u64(o, "cancelled");
    s.rejected = u64(o, "rejected");
    s.queued = u64(o, "queued");
    s.inFlight = u64(o, "in_flight");
    s.targetWorkers = u32(o, "target_workers");
    s.liveWorkers = u32(o, "live_workers");
    s.idleWorkers = u32(o, "idle_workers");
    s.runningWorkers = u32(o, "running_workers");
    s.blockedWorkers = u32(o, "blocked_workers");
    s.retiringWorkers = u32(o, "retiring_workers");
    s.concurrency = u32(o, "concurrency");
    s.peakQueued = u64(o, "peak_queued");
    s.peakRunning = u32(o, "peak_running");
    s.parks = u64(o, "parks");
    s.wakes = u64(o, "wakes");
    s.exceptionReportsDropped = u64(o, "exception_reports_dropped");
    if (const auto state = parsePoolState(text(o, "state")))
        s.state = *state;
    parseExceptionPolicy(text(o, "policy"), s.policy);
}

template <typename Enum, typename Parse>
void named(const QJsonObject &object, const char *key, Parse parse, Enum &target)
{
    if (const auto parsed = parse(text(object, key)))
        target = *parsed;
}

} // namespace

bool readSnapshot(const QString &path, RunReport &report, QString &error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return false;
    }
    if (!readSnapshot(file.readAll(), report, error)) {
        error = QStringLiteral("%1: %2").arg(path, error);
        return false;
    }
    return true;
}

bool readSnapshot(const QByteArray &json, RunReport &report, QString &error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        error = QStringLiteral("not JSON: %1 at offset %2").arg(parseError.errorString()).arg(parseError.offset);
        return false;
    }
    const QJsonObject root = document.object();
    if (!document.isObject() || !root.value(QLatin1String("format")).isDouble() || !root.value(QLatin1String("counters")).isObject()) {
        error = QStringLiteral("not a Poolscope snapshot (no 'format' and 'counters')");
        return false;
    }
    const int format = root.value(QLatin1String("format")).toInt();
    if (format != RunReport::Format) {
        error = QStringLiteral("snapshot format %1 is not one this Poolscope reads (it reads format %2)").arg(format).arg(RunReport::Format);
        return false;
    }

    RunReport r;
    r.poolscopeVersion = text(root, "poolscope_version");
    r.exportedAt = time(root, "exported_at");
    r.durationSeconds = root.value(QLatin1String("duration_s")).toDouble();
    const QJsonObject host = root.value(QLatin1String("host")).toObject();
    r.backend = text(host, "backend");
    r.processors = u32(host, "processors");
    r.operatingSystem = text(host, "os");

    const QJsonObject configuration = root.value(QLatin1String("configuration")).toObject();
    const QJsonObject pool = configuration.value(QLatin1String("pool")).toObject();
    r.pool.workers = u32(pool, "workers");
    r.pool.concurrency = u32(pool, "concurrency");
    parseExceptionPolicy(text(pool, "policy"), r.pool.policy);
    r.pool.exceptionReportCapacity = u64(pool, "exception_report_capacity");
    r.pool.measureLatency = pool.value(QLatin1String("measure_latency")).toBool(true);
    const QJsonObject load = configuration.value(QLatin1String("load")).toObject();
    r.loadState = text(load, "state");
    r.load.producers = u32(load, "producers");
    named(load, "pattern", [](const std::string &t) { return parseLoadPattern(t); }, r.load.pattern);
    r.load.ratePerSecond = load.value(QLatin1String("rate_per_s")).toDouble();
    r.load.burstSize = u32(load, "burst_size");
    r.load.burstInterval = std::chrono::milliseconds(u64(load, "burst_interval_ms"));
    r.load.period = std::chrono::milliseconds(u64(load, "period_ms"));
    named(load, "cost_distribution", [](const std::string &t) { return parseCostDistribution(t); }, r.load.costDistribution);
    r.load.meanCost = std::chrono::microseconds(u64(load, "mean_cost_us"));
    r.load.blockingShare = load.value(QLatin1String("blocking_share")).toDouble();
    r.load.blockingTime = std::chrono::microseconds(u64(load, "blocking_time_us"));
    r.load.exceptionProbability = load.value(QLatin1String("exception_probability")).toDouble();
    named(load, "exception_type", [](const std::string &t) { return parseThrownType(t); }, r.load.exceptionType);
    r.load.queueCap = u64(load, "queue_cap");
    r.sampleRateHz = configuration.value(QLatin1String("sample_rate_hz")).toDouble();

    counters(root.value(QLatin1String("counters")).toObject(), r.counters);
    const QJsonObject rates = root.value(QLatin1String("rates")).toObject();
    r.postsPerSecond = rates.value(QLatin1String("posts_per_s")).toDouble();
    r.completionsPerSecond = rates.value(QLatin1String("completions_per_s")).toDouble();
    r.failuresPerSecond = rates.value(QLatin1String("failures_per_s")).toDouble();
    const QJsonObject sinceStart = root.value(QLatin1String("latency_since_start")).toObject();
    r.queueWaitSinceStart = latency(sinceStart.value(QLatin1String("queue_wait")).toObject());
    r.serviceTimeSinceStart = latency(sinceStart.value(QLatin1String("service")).toObject());

    const QJsonArray history = root.value(QLatin1String("history")).toArray();
    r.history.reserve(static_cast<std::size_t>(history.size()));
    for (const QJsonValue &value : history) {
        const QJsonObject o = value.toObject();
        Sample sample;
        sample.sequence = u64(o, "sequence");
        counters(o, sample.pool);
        const double seconds = o.value(QLatin1String("time_s")).toDouble();
        sample.pool.timestampNs = std::isfinite(seconds) && seconds > 0 ? static_cast<std::uint64_t>(std::llround(seconds * 1e9)) : 0;
        sample.postsPerSecond = o.value(QLatin1String("posts_per_s")).toDouble();
        sample.completionsPerSecond = o.value(QLatin1String("completions_per_s")).toDouble();
        sample.failuresPerSecond = o.value(QLatin1String("failures_per_s")).toDouble();
        sample.queueWait = latency(o.value(QLatin1String("queue_wait")).toObject());
        sample.serviceTime = latency(o.value(QLatin1String("service")).toObject());
        r.history.push_back(sample);
    }
    for (const QJsonValue &value : root.value(QLatin1String("exceptions")).toArray()) {
        const QJsonObject o = value.toObject();
        ExceptionSummary e;
        e.typeName = text(o, "type");
        e.message = text(o, "message");
        e.count = u64(o, "count");
        e.first = time(o, "first");
        e.last = time(o, "last");
        for (const QJsonValue &worker : o.value(QLatin1String("workers")).toArray())
            e.workers.push_back(static_cast<std::uint32_t>(worker.toInteger()));
        r.exceptions.push_back(std::move(e));
    }
    report = std::move(r);
    return true;
}
