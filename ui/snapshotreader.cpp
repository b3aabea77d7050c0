#include "snapshotreader.h"

#include "boundedfile.h"
#include "snapshotfields.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <limits>
#include <new>
#include <optional>
#include <string_view>
#include <variant>

using namespace poolscope;

namespace {

// JSON containers the parser would build, counted on the raw bytes before parsing: Qt's
// parser has no limits of its own, and a file of 30 MB of "{}," builds 10 M objects (GBs).
// An hour of history is about 216,000 objects; an exception's workers list at most 1024.
constexpr qsizetype MaxContainers = 2'000'000;
constexpr qsizetype MaxValues = 40'000'000;

bool shapeWithinLimits(const QByteArray &json, QString &error)
{
    qsizetype containers = 0, values = 0;
    bool inString = false, escaped = false;
    for (const char c : json) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"')
            inString = true;
        else if (c == '{' || c == '[')
            ++containers;
        else if (c == ',')
            ++values;
    }
    if (containers > MaxContainers || values > MaxValues) {
        error = QStringLiteral("too many JSON values (%1 objects and arrays, %2 values; a snapshot has at most %3 and %4)")
                    .arg(containers)
                    .arg(values)
                    .arg(MaxContainers)
                    .arg(MaxValues);
        return false;
    }
    return true;
}

QLatin1StringView latin1(std::string_view text) { return QLatin1StringView(text.data(), static_cast<qsizetype>(text.size())); }

// Reads fields with their type and range checked; the first problem is kept as the error
// (naming the field by its path, e.g. "history[3].queue_wait.p50_ns") and later reads do
// nothing. A missing field, or a null number (the writer's NaN), keeps the target's value.
class FieldReader {
public:
    bool failed() const noexcept { return !m_error.isEmpty(); }
    const QString &error() const noexcept { return m_error; }

    QJsonValue present(const QJsonObject &object, const QString &path, std::string_view key)
    {
        if (failed())
            return {};
        const QJsonValue value = object.value(latin1(key));
        m_path = path;
        m_key = key;
        return value;
    }

    // A whole number in 0..high, written to `target` as T.
    template <typename T>
    void whole(const QJsonObject &object, const QString &path, std::string_view key, T &target,
               double high = static_cast<double>(std::numeric_limits<T>::max()))
    {
        const QJsonValue value = present(object, path, key);
        if (!value.isUndefined() && !value.isNull())
            wholeValue(value, target, high);
    }

    // The same for an array element at `path`.
    template <typename T>
    void wholeElement(const QJsonValue &value, const QString &path, T &target, double high)
    {
        if (failed())
            return;
        m_path = path;
        m_key = {};
        wholeValue(value, target, high);
    }

    void real(const QJsonObject &object, const QString &path, std::string_view key, double &target)
    {
        const QJsonValue value = present(object, path, key);
        if (value.isUndefined() || value.isNull())
            return;
        if (!value.isDouble() || !std::isfinite(value.toDouble()))
            return fail(QStringLiteral("must be a number"));
        target = value.toDouble();
    }

    void flag(const QJsonObject &object, const QString &path, std::string_view key, bool &target)
    {
        const QJsonValue value = present(object, path, key);
        if (value.isUndefined())
            return;
        if (!value.isBool())
            return fail(QStringLiteral("must be true or false"));
        target = value.toBool();
    }

    void text(const QJsonObject &object, const QString &path, std::string_view key, std::string &target)
    {
        const QJsonValue value = present(object, path, key);
        if (value.isUndefined())
            return;
        if (!value.isString())
            return fail(QStringLiteral("must be a string"));
        QString string = value.toString();
        if (string.size() > SnapshotLimits::MaxStringChars) {
            string.truncate(SnapshotLimits::MaxStringChars);
            string += QStringLiteral("...");
        }
        target = string.toStdString();
    }

    // A name that `accept` takes (it returns false for a name it does not know).
    template <typename Accept>
    void name(const QJsonObject &object, const QString &path, std::string_view key, Accept accept)
    {
        if (present(object, path, key).isUndefined())
            return;
        std::string name;
        text(object, path, key, name);
        if (!failed() && !accept(name))
            fail(QStringLiteral("'%1' is not a name this Poolscope knows").arg(QString::fromStdString(name).left(40)));
    }

    // A name of an enum, parsed by `parse` (returns std::optional).
    template <typename Enum, typename Parse>
    void named(const QJsonObject &object, const QString &path, std::string_view key, Parse parse, Enum &target)
    {
        name(object, path, key, [&parse, &target](const std::string &text) {
            const auto parsed = parse(text);
            if (parsed)
                target = *parsed;
            return parsed.has_value();
        });
    }

    // Seconds since the epoch, in 0..MaxEpochSeconds: inside what the clock can hold.
    void time(const QJsonObject &object, const QString &path, std::string_view key, std::chrono::system_clock::time_point &target)
    {
        const QJsonValue value = present(object, path, key);
        if (value.isUndefined() || value.isNull())
            return;
        const double seconds = value.toDouble(-1);
        if (!value.isDouble() || !std::isfinite(seconds) || seconds < 0 || seconds > SnapshotLimits::MaxEpochSeconds)
            return fail(QStringLiteral("must be seconds since 1970 in 0..%1").arg(SnapshotLimits::MaxEpochSeconds, 0, 'f', 0));
        target = std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(seconds)));
    }

    // A duration in whole units of D, at most `high` of them.
    template <typename D>
    void duration(const QJsonObject &object, const QString &path, std::string_view key, D &target, double high)
    {
        std::uint64_t count = 0;
        bool given = !present(object, path, key).isUndefined() && !object.value(latin1(key)).isNull();
        whole(object, path, key, count, high);
        if (given && !failed())
            target = D(static_cast<typename D::rep>(count));
    }

    // An object (missing: empty).
    QJsonObject object(const QJsonObject &parent, const QString &path, std::string_view key)
    {
        const QJsonValue value = present(parent, path, key);
        if (value.isUndefined())
            return {};
        if (!value.isObject()) {
            fail(QStringLiteral("must be an object"));
            return {};
        }
        return value.toObject();
    }

    // An array of at most `maxSize` elements (missing: empty).
    QJsonArray array(const QJsonObject &parent, const QString &path, std::string_view key, qsizetype maxSize)
    {
        const QJsonValue value = present(parent, path, key);
        if (value.isUndefined())
            return {};
        if (!value.isArray()) {
            fail(QStringLiteral("must be an array"));
            return {};
        }
        const QJsonArray array = value.toArray();
        if (array.size() > maxSize) {
            fail(QStringLiteral("has %1 entries; a snapshot has at most %2").arg(array.size()).arg(maxSize));
            return {};
        }
        return array;
    }

    // An element of an array that must be an object.
    QJsonObject element(const QJsonValue &value, const QString &path)
    {
        if (failed())
            return {};
        if (!value.isObject()) {
            m_path = path;
            m_key = {};
            fail(QStringLiteral("must be an object"));
            return {};
        }
        return value.toObject();
    }

    void fail(const QString &why)
    {
        if (failed())
            return;
        QString field = m_path;
        if (!m_key.empty())
            field += (field.isEmpty() ? QString() : QStringLiteral(".")) + latin1(m_key);
        m_error = QStringLiteral("'%1' %2").arg(field, why);
    }

private:
    template <typename T>
    void wholeValue(const QJsonValue &value, T &target, double high)
    {
        if (!value.isDouble())
            return fail(QStringLiteral("must be a number"));
        const double number = value.toDouble();
        // 2^64 itself is representable as a double but not as a uint64: compare with < for it.
        const bool fits = high >= 18446744073709551615.0 ? number < 18446744073709551616.0 : number <= high;
        if (!std::isfinite(number) || number < 0 || !fits || number != std::trunc(number))
            return fail(QStringLiteral("must be a whole number in 0..%1 (got %2)").arg(high, 0, 'f', 0).arg(number, 0, 'g', 17));
        // Below 2^63 Qt keeps the exact integer (a double loses digits above 2^53).
        target = number < 9.2e18 ? static_cast<T>(value.toInteger()) : static_cast<T>(number);
    }

    QString m_error;
    QString m_path;
    std::string_view m_key;
};

QString join(const QString &path, std::string_view key)
{
    return path.isEmpty() ? QString(latin1(key)) : path + QLatin1Char('.') + latin1(key);
}

void latency(FieldReader &in, const QJsonObject &parent, const QString &path, std::string_view key, LatencySummary &s)
{
    const QJsonObject o = in.object(parent, path, key);
    const QString here = join(path, key);
    in.whole(o, here, "count", s.count);
    in.whole(o, here, "p50_ns", s.p50);
    in.whole(o, here, "p90_ns", s.p90);
    in.whole(o, here, "p99_ns", s.p99);
    in.whole(o, here, "p999_ns", s.p999);
    in.whole(o, here, "max_ns", s.max);
    in.real(o, here, "mean_ns", s.mean);
}

// Every field of snapshotfields.h, checked by its member's type: a uint32 field refuses 2^32,
// an enum field a name it does not know.
void counters(FieldReader &in, const QJsonObject &o, const QString &path, PoolSnapshot &s)
{
    struct Read {
        FieldReader &in;
        const QJsonObject &o;
        const QString &path;
        PoolSnapshot &s;
        std::string_view key;
        void operator()(std::uint64_t PoolSnapshot::*m) const { in.whole(o, path, key, s.*m); }
        void operator()(std::uint32_t PoolSnapshot::*m) const { in.whole(o, path, key, s.*m); }
        void operator()(double PoolSnapshot::*m) const { in.real(o, path, key, s.*m); }
        void operator()(const NamedMember &m) const
        {
            in.name(o, path, key, [&m, this](const std::string &name) { return m.parse(name, s); });
        }
    };
    for (const SnapshotField &field : snapshotFields())
        std::visit(Read{in, o, path, s, field.name}, field.member);
}

// Durations in the configuration: far beyond any setting, far inside chrono's 64-bit counts.
constexpr double MaxDurationCount = 1e15;
// A history time: seconds since the first sample; nanoseconds of it must fit in 63 bits.
constexpr double MaxHistorySeconds = 9.0e9;

bool parse(const QByteArray &json, RunReport &report, QString &error)
{
    if (!shapeWithinLimits(json, error))
        return false;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        error = QStringLiteral("not JSON: %1 at offset %2").arg(parseError.errorString()).arg(parseError.offset);
        return false;
    }
    const QJsonObject root = document.object();
    const QJsonValue format = root.value(QLatin1String("format"));
    if (!document.isObject() || !format.isDouble()) {
        error = QStringLiteral("not a Poolscope snapshot (no 'format')");
        return false;
    }
    const double formatNumber = format.toDouble();
    if (formatNumber != std::floor(formatNumber) || formatNumber < RunReport::OldestReadableFormat
        || formatNumber > RunReport::Format) {
        error = QStringLiteral("unsupported format %1 (this Poolscope reads formats %2..%3)")
                    .arg(formatNumber, 0, 'g', 6)
                    .arg(RunReport::OldestReadableFormat)
                    .arg(RunReport::Format);
        return false;
    }
    if (!root.value(QLatin1String("counters")).isObject()) {
        error = QStringLiteral("not a Poolscope snapshot (no 'counters')");
        return false;
    }

    FieldReader in;
    const QString top;
    RunReport r;
    in.text(root, top, "poolscope_version", r.poolscopeVersion);
    in.time(root, top, "exported_at", r.exportedAt);
    in.real(root, top, "duration_s", r.durationSeconds);
    const QJsonObject host = in.object(root, top, "host");
    in.text(host, QStringLiteral("host"), "backend", r.backend);
    in.whole(host, QStringLiteral("host"), "processors", r.processors);
    in.text(host, QStringLiteral("host"), "os", r.operatingSystem);

    const QJsonObject configuration = in.object(root, top, "configuration");
    const QString poolPath = QStringLiteral("configuration.pool");
    const QJsonObject pool = in.object(configuration, QStringLiteral("configuration"), "pool");
    in.whole(pool, poolPath, "workers", r.pool.workers);
    in.whole(pool, poolPath, "concurrency", r.pool.concurrency);
    in.named(pool, poolPath, "policy", [](const std::string &t) {
        ExceptionPolicy policy{};
        return parseExceptionPolicy(t, policy) ? std::optional(policy) : std::nullopt;
    }, r.pool.policy);
    in.whole(pool, poolPath, "exception_report_capacity", r.pool.exceptionReportCapacity);
    in.flag(pool, poolPath, "measure_latency", r.pool.measureLatency);
    const QString loadPath = QStringLiteral("configuration.load");
    const QJsonObject load = in.object(configuration, QStringLiteral("configuration"), "load");
    in.text(load, loadPath, "state", r.loadState);
    in.whole(load, loadPath, "producers", r.load.producers);
    in.named(load, loadPath, "pattern", [](const std::string &t) { return parseLoadPattern(t); }, r.load.pattern);
    in.real(load, loadPath, "rate_per_s", r.load.ratePerSecond);
    in.whole(load, loadPath, "burst_size", r.load.burstSize);
    in.duration(load, loadPath, "burst_interval_ms", r.load.burstInterval, MaxDurationCount);
    in.duration(load, loadPath, "period_ms", r.load.period, MaxDurationCount);
    in.named(load, loadPath, "cost_distribution", [](const std::string &t) { return parseCostDistribution(t); },
             r.load.costDistribution);
    in.duration(load, loadPath, "mean_cost_us", r.load.meanCost, MaxDurationCount);
    in.real(load, loadPath, "blocking_share", r.load.blockingShare);
    in.duration(load, loadPath, "blocking_time_us", r.load.blockingTime, MaxDurationCount);
    in.real(load, loadPath, "exception_probability", r.load.exceptionProbability);
    in.named(load, loadPath, "exception_type", [](const std::string &t) { return parseThrownType(t); }, r.load.exceptionType);
    in.whole(load, loadPath, "queue_cap", r.load.queueCap);
    in.real(configuration, QStringLiteral("configuration"), "sample_rate_hz", r.sampleRateHz);

    counters(in, in.object(root, top, "counters"), QStringLiteral("counters"), r.counters);
    const QJsonObject rates = in.object(root, top, "rates");
    in.real(rates, QStringLiteral("rates"), "posts_per_s", r.postsPerSecond);
    in.real(rates, QStringLiteral("rates"), "completions_per_s", r.completionsPerSecond);
    in.real(rates, QStringLiteral("rates"), "failures_per_s", r.failuresPerSecond);
    const QJsonObject sinceStart = in.object(root, top, "latency_since_start");
    latency(in, sinceStart, QStringLiteral("latency_since_start"), "queue_wait", r.queueWaitSinceStart);
    latency(in, sinceStart, QStringLiteral("latency_since_start"), "service", r.serviceTimeSinceStart);
    latency(in, sinceStart, QStringLiteral("latency_since_start"), "io", r.ioLatencySinceStart); // format 2

    const auto maxSamples = static_cast<qsizetype>(SamplerOptions{}.capacity);
    const QJsonArray history = in.array(root, top, "history", maxSamples);
    r.history.reserve(static_cast<std::size_t>(history.size())); // capped above
    for (qsizetype i = 0; i < history.size() && !in.failed(); ++i) {
        const QString path = QStringLiteral("history[%1]").arg(i);
        const QJsonObject o = in.element(history.at(i), path);
        Sample sample;
        in.whole(o, path, "sequence", sample.sequence);
        counters(in, o, path, sample.pool);
        double seconds = 0;
        in.real(o, path, "time_s", seconds);
        if (seconds < 0 || seconds > MaxHistorySeconds)
            in.fail(QStringLiteral("must be 0..%1 seconds").arg(MaxHistorySeconds, 0, 'f', 0));
        // Oldest first, as written: a sample before its predecessor would draw time going
        // backwards (and before the run's start) on the charts.
        if (!r.history.empty() && seconds * 1e9 < static_cast<double>(r.history.back().pool.timestampNs))
            in.fail(QStringLiteral("must not be before the previous sample's (%1 s)")
                        .arg(static_cast<double>(r.history.back().pool.timestampNs) / 1e9));
        sample.pool.timestampNs = static_cast<std::uint64_t>(std::llround(seconds * 1e9));
        for (const SampleField &field : sampleFields()) // rates, average threads (absent in older files: 0)
            in.real(o, path, field.name, sample.*field.member);
        latency(in, o, path, "queue_wait", sample.queueWait);
        latency(in, o, path, "service", sample.serviceTime);
        latency(in, o, path, "io", sample.ioLatency); // I/O start to completion (absent in older files: 0)
        r.history.push_back(sample);
    }
    const QJsonArray exceptions = in.array(root, top, "exceptions", SnapshotLimits::MaxExceptions);
    for (qsizetype i = 0; i < exceptions.size() && !in.failed(); ++i) {
        const QString path = QStringLiteral("exceptions[%1]").arg(i);
        const QJsonObject o = in.element(exceptions.at(i), path);
        ExceptionSummary e;
        in.text(o, path, "type", e.typeName);
        in.text(o, path, "message", e.message);
        in.whole(o, path, "count", e.count);
        in.time(o, path, "first", e.first);
        in.time(o, path, "last", e.last);
        const QJsonArray workers = in.array(o, path, "workers", WorkerPool::MaxWorkers);
        for (qsizetype w = 0; w < workers.size() && !in.failed(); ++w) {
            std::uint32_t worker = 0;
            in.wholeElement(workers.at(w), QStringLiteral("%1.workers[%2]").arg(path).arg(w), worker, WorkerPool::MaxWorkers - 1);
            e.workers.push_back(worker);
        }
        r.exceptions.push_back(std::move(e));
    }
    if (in.failed()) {
        error = in.error();
        return false;
    }
    report = std::move(r);
    return true;
}

} // namespace

bool readSnapshot(const QString &path, RunReport &report, QString &error)
{
    QByteArray contents;
    if (!readBoundedFile(path, SnapshotLimits::MaxFileBytes, contents, error)) {
        error = QStringLiteral("cannot read %1: %2").arg(path, error);
        return false;
    }
    if (!readSnapshot(contents, report, error)) {
        error = QStringLiteral("%1: %2").arg(path, error);
        return false;
    }
    return true;
}

bool readSnapshot(const QByteArray &json, RunReport &report, QString &error)
{
    try {
        return parse(json, report, error);
    } catch (const std::bad_alloc &) { // the live session must carry on
        error = QStringLiteral("not enough memory to read it");
        return false;
    }
}
