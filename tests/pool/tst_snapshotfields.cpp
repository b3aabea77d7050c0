// The PoolSnapshot field table: its own rules, and that every writer writes every row (JSON,
// CSV, OpenMetrics) with the row's value. The reader's round trip of every row is in
// tests/ui/tst_snapshotreader, the panel's in tests/ui/tst_counterspanel.

#include "metricsexport.h"
#include "runreport.h"
#include "snapshotfields.h"

#include <QtTest>

#include <QJsonDocument>
#include <QJsonObject>

#include <set>
#include <sstream>
#include <string>

using namespace poolscope;

namespace {

// Every sample figure a value of its own (2001.5, 2002.5, ...).
Sample distinctSample()
{
    Sample sample;
    double next = 2001.5;
    for (const SampleField &field : sampleFields())
        sample.*field.member = next++;
    return sample;
}

// Every numeric field a value of its own (1001, 1002, ...), the names off their defaults.
PoolSnapshot distinctSnapshot()
{
    PoolSnapshot s;
    s.state = PoolState::Draining;
    s.policy = ExceptionPolicy::FailFast;
    std::uint32_t next = 1001;
    for (const SnapshotField &field : snapshotFields()) {
        if (auto *m = std::get_if<std::uint64_t PoolSnapshot::*>(&field.member))
            s.**m = next++;
        else if (auto *m32 = std::get_if<std::uint32_t PoolSnapshot::*>(&field.member))
            s.**m32 = next++;
        else if (auto *real = std::get_if<double PoolSnapshot::*>(&field.member))
            s.**real = next++ + 0.25;
    }
    return s;
}

std::string text(const FieldValue &value)
{
    std::ostringstream out;
    out << std::setprecision(10);
    std::visit([&out](const auto &v) { out << v; }, value);
    return out.str();
}

bool isSnakeCase(std::string_view name)
{
    if (name.empty() || !(name.front() >= 'a' && name.front() <= 'z') || name.back() == '_')
        return false;
    return std::ranges::all_of(name, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

} // namespace

class TestSnapshotFields : public QObject {
    Q_OBJECT

private slots:
    void tableKeepsItsRules();
    void sampleTableKeepsItsRules();
    void jsonWritesEveryField();
    void csvWritesEveryField();
    void metricsWriteEveryExportedField();
    void threadTimeIsExportedInSeconds();
};

void TestSnapshotFields::tableKeepsItsRules()
{
    std::set<std::string_view> names, metrics, helpedFamilies;
    for (const MetricFamilyHelp &family : labelledMetricFamilies())
        helpedFamilies.insert(family.family);
    std::set<std::string_view> closedFamilies; // labelled families whose run of rows ended
    std::string_view openFamily;
    for (const SnapshotField &field : snapshotFields()) {
        const QByteArray name(field.name.data(), qsizetype(field.name.size()));
        QVERIFY2(names.insert(field.name).second, name.constData());
        QVERIFY2(isSnakeCase(field.name), name.constData());
        QVERIFY2(!field.label.empty(), name.constData());
        QVERIFY2(field.help.ends_with('.'), name.constData());
        QVERIFY2(findSnapshotField(field.name) == &field, name.constData());
        QVERIFY2((field.kind == FieldKind::Name) == std::holds_alternative<NamedMember>(field.member), name.constData());
        if (!field.sharesRowWith.empty()) {
            QVERIFY2(names.count(field.sharesRowWith), name.constData()); // an earlier row
            QVERIFY2(findSnapshotField(field.sharesRowWith)->group == field.group, name.constData());
        }
        if (field.metric.empty()) {
            QVERIFY2(field.kind != FieldKind::Counter, name.constData()); // a counter belongs in /metrics
            openFamily = {};
            continue;
        }
        QVERIFY2(field.kind != FieldKind::Name, name.constData());
        QVERIFY2(metrics.insert(field.metric).second, name.constData());
        QVERIFY2(field.metric.starts_with("poolscope_") && !field.metricFamily().ends_with("_total"), name.constData());
        QVERIFY2(isSnakeCase(field.metricFamily()), name.constData());
        const bool labelled = field.metric.find('{') != std::string_view::npos;
        QVERIFY2(labelled == !field.metricLabels().empty(), name.constData()); // well formed: {k="v"}
        if (field.metricFamily() != openFamily && !openFamily.empty())
            closedFamilies.insert(openFamily);
        if (labelled) {
            QVERIFY2(helpedFamilies.count(field.metricFamily()), name.constData());
            QVERIFY2(!closedFamilies.count(field.metricFamily()), name.constData()); // rows adjacent
            openFamily = field.metricFamily();
        } else {
            QVERIFY2(!helpedFamilies.count(field.metricFamily()), name.constData());
            openFamily = {};
        }
    }
    QVERIFY(findSnapshotField("no_such_field") == nullptr);
    QVERIFY(names.count("posted") && names.count("in_flight") && names.count("state"));
}

void TestSnapshotFields::sampleTableKeepsItsRules()
{
    std::set<std::string_view> names;
    for (const SampleField &field : sampleFields()) {
        const QByteArray name(field.name.data(), qsizetype(field.name.size()));
        QVERIFY2(names.insert(field.name).second, name.constData());
        QVERIFY2(isSnakeCase(field.name), name.constData());
        QVERIFY2(field.help.ends_with('.'), name.constData());
        QVERIFY2(findSnapshotField(field.name) == nullptr, name.constData()); // one key per JSON object
        QVERIFY2(field.name != "sequence" && field.name != "time_s", name.constData());
    }
    // The occupancy figures issue 12 exports, beside the rates that shipped first.
    for (const char *expected : {"posts_per_s", "completions_per_s", "failures_per_s", "average_running_threads",
                                 "average_blocked_threads", "average_idle_threads", "utilisation_percent"})
        QVERIFY2(names.count(expected), expected);
    for (const char *expected : {"running_ns", "blocked_ns", "idle_ns"})
        QVERIFY2(findSnapshotField(expected) && findSnapshotField(expected)->kind == FieldKind::Counter, expected);
}

void TestSnapshotFields::jsonWritesEveryField()
{
    RunReport report;
    report.counters = distinctSnapshot();
    Sample sample = distinctSample();
    sample.pool = report.counters;
    report.history.push_back(sample);
    std::ostringstream out;
    writeJson(out, report);
    const QJsonObject root = QJsonDocument::fromJson(QByteArray::fromStdString(out.str())).object();
    const QJsonObject counters = root.value(QStringLiteral("counters")).toObject();
    const QJsonObject inHistory = root.value(QStringLiteral("history")).toArray().at(0).toObject();
    QCOMPARE(counters.size(), qsizetype(snapshotFields().size()));
    for (const SnapshotField &field : snapshotFields()) {
        const QString key = QString::fromLatin1(field.name.data(), qsizetype(field.name.size()));
        const std::string expected = text(field.read(report.counters));
        for (const QJsonValue &value : {counters.value(key), inHistory.value(key)}) {
            const std::string written = value.isString() ? value.toString().toStdString()
                                                         : text(value.toDouble());
            QCOMPARE(written, expected);
        }
    }
    for (const SampleField &field : sampleFields()) {
        const QString key = QString::fromLatin1(field.name.data(), qsizetype(field.name.size()));
        QVERIFY2(inHistory.value(key).isDouble(), field.name.data());
        QCOMPARE(inHistory.value(key).toDouble(), sample.*field.member);
    }
}

void TestSnapshotFields::csvWritesEveryField()
{
    Sample sample = distinctSample();
    sample.pool = distinctSnapshot();
    std::ostringstream out;
    writeCsv(out, {sample});
    const QStringList rows = QString::fromStdString(out.str()).split(QStringLiteral("\r\n"), Qt::SkipEmptyParts);
    QCOMPARE(rows.size(), 2);
    const QStringList header = rows[0].split(QLatin1Char(','));
    const QStringList values = rows[1].split(QLatin1Char(','));
    QCOMPARE(values.size(), header.size());
    for (const SnapshotField &field : snapshotFields()) {
        const auto column = header.indexOf(QString::fromLatin1(field.name.data(), qsizetype(field.name.size())));
        QVERIFY2(column >= 0, field.name.data());
        QCOMPARE(values[column].toStdString(), text(field.read(sample.pool)));
    }
    for (const SampleField &field : sampleFields()) {
        const auto column = header.indexOf(QString::fromLatin1(field.name.data(), qsizetype(field.name.size())));
        QVERIFY2(column >= 0, field.name.data());
        QCOMPARE(values[column].toDouble(), sample.*field.member);
    }
}

void TestSnapshotFields::metricsWriteEveryExportedField()
{
    for (const MetricsFormat format : {MetricsFormat::OpenMetrics, MetricsFormat::PrometheusText}) {
        MetricsView view;
        view.snapshot = distinctSnapshot();
        view.backend = "test";
        std::ostringstream out;
        writeMetrics(out, view, format);
        const std::string written = out.str();
        for (const SnapshotField &field : snapshotFields()) {
            if (field.metric.empty())
                continue;
            std::string sample(field.metricFamily());
            if (field.kind == FieldKind::Counter)
                sample += "_total";
            if (!field.metricLabels().empty())
                sample += '{' + std::string(field.metricLabels()) + '}';
            const std::string line = '\n' + sample + ' ' + text(field.metricValue(view.snapshot)) + '\n';
            QVERIFY2(written.find(line) != std::string::npos, line.c_str());
            const std::string type = std::string("# TYPE ") + std::string(field.metricFamily()) +
                                     (field.kind == FieldKind::Counter && format == MetricsFormat::PrometheusText ? "_total" : "") +
                                     (field.kind == FieldKind::Counter ? " counter\n" : " gauge\n");
            QVERIFY2(written.find(type) != std::string::npos, type.c_str());
        }
    }
}

void TestSnapshotFields::threadTimeIsExportedInSeconds()
{
    MetricsView view;
    view.snapshot.runningNs = 1'500'000'000;
    view.snapshot.blockedNs = 250'000'000;
    view.snapshot.idleNs = 12'000'000'000;
    view.backend = "test";
    for (const MetricsFormat format : {MetricsFormat::OpenMetrics, MetricsFormat::PrometheusText}) {
        std::ostringstream out;
        writeMetrics(out, view, format);
        const std::string written = out.str();
        for (const char *line : {"\npoolscope_worker_seconds_total{state=\"running\"} 1.5\n",
                                 "\npoolscope_worker_seconds_total{state=\"blocked\"} 0.25\n",
                                 "\npoolscope_worker_seconds_total{state=\"idle\"} 12\n"})
            QVERIFY2(written.find(line) != std::string::npos, line);
        const char *type = format == MetricsFormat::OpenMetrics ? "# TYPE poolscope_worker_seconds counter\n"
                                                                : "# TYPE poolscope_worker_seconds_total counter\n";
        QVERIFY2(written.find(type) != std::string::npos, type);
    }
    // JSON and CSV keep the exact nanoseconds.
    QCOMPARE(std::get<std::uint64_t>(findSnapshotField("running_ns")->read(view.snapshot)), std::uint64_t{1'500'000'000});
}

QTEST_GUILESS_MAIN(TestSnapshotFields)
#include "tst_snapshotfields.moc"
