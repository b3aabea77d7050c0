// A saved snapshot is outside input: hostile files are refused with a reason that names the
// field, never crash or exhaust memory; missing fields keep their defaults; what a file says
// is shown as text (never as a placeholder, never as wide as the file wants).

#include "snapshotfields.h"
#include "snapshotreader.h"
#include "snapshotwindow.h"

#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

using namespace poolscope;

namespace {

// A valid snapshot to mutate: two samples and one exception row.
QJsonObject validSnapshot()
{
    RunReport report;
    report.poolscopeVersion = "0.1.0";
    report.exportedAt = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
    report.backend = "linux-futex";
    report.processors = 2;
    for (std::uint64_t i = 0; i < 2; ++i) {
        Sample sample;
        sample.sequence = i + 1;
        sample.pool.timestampNs = i * 50'000'000;
        sample.pool.posted = 10 * i;
        report.history.push_back(sample);
    }
    report.exceptions.push_back({.typeName = "std::runtime_error", .message = "boom", .count = 3, .first = {}, .last = {}, .workers = {0, 1}});
    std::ostringstream out;
    writeJson(out, report);
    return QJsonDocument::fromJson(QByteArray::fromStdString(out.str())).object();
}

// Sets the value at a dotted path ("configuration.pool.workers", "history.0.time_s").
QJsonValue withValue(QJsonValue node, QStringList path, const QJsonValue &value)
{
    if (path.isEmpty())
        return value;
    const QString head = path.takeFirst();
    if (node.isArray()) {
        QJsonArray array = node.toArray();
        const auto index = head.toInt();
        array[index] = withValue(array.at(index), path, value);
        return array;
    }
    QJsonObject object = node.toObject();
    object[head] = withValue(object.value(head), path, value);
    return object;
}

QByteArray bytesOf(const QJsonObject &object) { return QJsonDocument(object).toJson(QJsonDocument::Compact); }

QByteArray repeated(const QByteArray &prefix, const QByteArray &element, qsizetype count, const QByteArray &suffix)
{
    QByteArray json = prefix;
    json.reserve(prefix.size() + count * (element.size() + 1) + suffix.size());
    for (qsizetype i = 0; i < count; ++i) {
        if (i > 0)
            json += ',';
        json += element;
    }
    return json + suffix;
}

} // namespace

class TestSnapshotReader : public QObject {
    Q_OBJECT

private slots:
    void validSnapshotReads();
    void everySnapshotFieldReadsBack();
    void aNewerFormatIsNamedEvenWithoutCounters();
    void badFieldsAreRefusedByName_data();
    void badFieldsAreRefusedByName();
    void arraysAreCapped_data();
    void arraysAreCapped();
    void missingFieldsKeepTheirDefaults();
    void bothFormatsRead_data();
    void bothFormatsRead();
    void onlyBoundedRegularFilesAreRead_data();
    void onlyBoundedRegularFilesAreRead();
    void fifoIsRefusedWithoutWaiting();
    void longStringsAreElided();
    void placeholdersInTheFileAreShownAsText();
};

void TestSnapshotReader::validSnapshotReads()
{
    RunReport report;
    QString error;
    QVERIFY2(readSnapshot(bytesOf(validSnapshot()), report, error), qPrintable(error));
    QCOMPARE(report.history.size(), std::size_t(2));
    QCOMPARE(report.history[1].pool.timestampNs, std::uint64_t(50'000'000));
    QCOMPARE(report.exceptions.at(0).workers, (std::vector<std::uint32_t>{0, 1}));
    QCOMPARE(std::chrono::duration_cast<std::chrono::seconds>(report.exportedAt.time_since_epoch()).count(), 1'800'000'000);
}

void TestSnapshotReader::everySnapshotFieldReadsBack()
{
    // Each field of the table a value of its own, in the counters and in a history sample.
    RunReport written;
    written.counters.state = PoolState::Failed;
    written.counters.policy = ExceptionPolicy::RetireWorker;
    std::uint32_t next = 7001;
    for (const SnapshotField &field : snapshotFields()) {
        if (auto *m = std::get_if<std::uint64_t PoolSnapshot::*>(&field.member))
            written.counters.**m = (std::uint64_t(1) << 60) + next++; // above 2^53: exact, not via double
        else if (auto *m32 = std::get_if<std::uint32_t PoolSnapshot::*>(&field.member))
            written.counters.**m32 = next++;
        else if (auto *real = std::get_if<double PoolSnapshot::*>(&field.member))
            written.counters.**real = next++ + 0.5;
    }
    Sample sample;
    sample.pool = written.counters;
    double figure = 0.125; // the sample's rates, average threads and utilisation: each its own
    for (const SampleField &field : sampleFields())
        sample.*field.member = (figure += 1.5);
    written.history.push_back(sample);
    std::ostringstream out;
    writeJson(out, written);

    RunReport report;
    QString error;
    QVERIFY2(readSnapshot(QByteArray::fromStdString(out.str()), report, error), qPrintable(error));
    QCOMPARE(report.history.size(), std::size_t(1));
    for (const SnapshotField &field : snapshotFields()) {
        QVERIFY2(field.read(report.counters) == field.read(written.counters), field.name.data());
        QVERIFY2(field.read(report.history[0].pool) == field.read(written.counters), field.name.data());
    }
    for (const SampleField &field : sampleFields())
        QVERIFY2(report.history[0].*field.member == sample.*field.member, field.name.data());
    // The occupancy a saved run's Threads chart and tiles show.
    QCOMPARE(report.history[0].averageRunning, sample.averageRunning);
    QCOMPARE(report.history[0].utilisationPercent, sample.utilisationPercent);
    QCOMPARE(report.counters.runningNs, written.counters.runningNs);
}

void TestSnapshotReader::aNewerFormatIsNamedEvenWithoutCounters()
{
    RunReport report;
    QString error;
    QVERIFY(!readSnapshot(QByteArray(R"({"format": 99})"), report, error));
    QCOMPARE(error, QStringLiteral("unsupported format 99 (this Poolscope reads formats 1..2)"));
}

void TestSnapshotReader::badFieldsAreRefusedByName_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("reason");
    // Each of these was undefined behaviour or a silent wrong value before.
    QTest::newRow("far-future time") << "exported_at" << QJsonValue(1e13) << "'exported_at' must be seconds since 1970";
    QTest::newRow("negative time") << "exceptions.0.first" << QJsonValue(-5) << "'exceptions[0].first' must be seconds";
    QTest::newRow("counter >= 2^64") << "counters.posted" << QJsonValue(18446744073709551616.0) << "'counters.posted' must be a whole number";
    QTest::newRow("counter 1e300") << "history.1.parks" << QJsonValue(1e300) << "'history[1].parks' must be a whole number";
    QTest::newRow("workers 2^32+1") << "configuration.pool.workers" << QJsonValue(4294967297.0)
                                    << "'configuration.pool.workers' must be a whole number in 0..4294967295";
    QTest::newRow("negative counter") << "counters.failed" << QJsonValue(-1) << "'counters.failed' must be a whole number";
    QTest::newRow("fraction") << "counters.queued" << QJsonValue(1.5) << "'counters.queued' must be a whole number";
    QTest::newRow("string for a number") << "counters.completed" << QJsonValue(QStringLiteral("12")) << "'counters.completed' must be a number";
    QTest::newRow("string for a rate") << "rates.posts_per_s" << QJsonValue(QStringLiteral("fast")) << "'rates.posts_per_s' must be a number";
    QTest::newRow("number for a string") << "host.os" << QJsonValue(7) << "'host.os' must be a string";
    QTest::newRow("string for a bool") << "configuration.pool.measure_latency" << QJsonValue(QStringLiteral("yes"))
                                       << "'configuration.pool.measure_latency' must be true or false";
    QTest::newRow("unknown pattern") << "configuration.load.pattern" << QJsonValue(QStringLiteral("zigzag"))
                                     << "'configuration.load.pattern' 'zigzag' is not a name";
    QTest::newRow("huge duration") << "configuration.load.period_ms" << QJsonValue(1e19) << "'configuration.load.period_ms' must be a whole number";
    QTest::newRow("history time past 2^63 ns") << "history.1.time_s" << QJsonValue(1e10) << "'history[1].time_s' must be 0..";
    QTest::newRow("history time going back") << "history.0.time_s" << QJsonValue(1)
                                             << "'history[1].time_s' must not be before the previous sample's (1 s)";
    QTest::newRow("word for an average") << "history.1.average_running_threads" << QJsonValue(QStringLiteral("abc"))
                                         << "'history[1].average_running_threads' must be a number";
    QTest::newRow("sample not an object") << "history.0" << QJsonValue(3) << "'history[0]' must be an object";
    QTest::newRow("host not an object") << "host" << QJsonValue(QStringLiteral("x")) << "'host' must be an object";
    QTest::newRow("history not an array") << "history" << QJsonValue(QJsonObject()) << "'history' must be an array";
    QTest::newRow("worker index") << "exceptions.0.workers.1" << QJsonValue(5000) << "'exceptions[0].workers[1]' must be a whole number in 0..1023";
    QTest::newRow("word for a counter") << "counters.posted" << QJsonValue(QStringLiteral("abc")) << "'counters.posted' must be a number";
    QTest::newRow("word for a sampled gauge") << "history.1.live_workers" << QJsonValue(QStringLiteral("abc"))
                                              << "'history[1].live_workers' must be a number";
    QTest::newRow("2^32 in a 32-bit field") << "counters.peak_running" << QJsonValue(4294967296.0)
                                            << "'counters.peak_running' must be a whole number in 0..4294967295";
    QTest::newRow("unknown state") << "counters.state" << QJsonValue(QStringLiteral("asleep"))
                                   << "'counters.state' 'asleep' is not a name this Poolscope knows";
    QTest::newRow("number for a policy") << "history.0.policy" << QJsonValue(2) << "'history[0].policy' must be a string";
    QTest::newRow("format 1.5") << "format" << QJsonValue(1.5) << "unsupported format 1.5 (this Poolscope reads formats 1..2)";
    QTest::newRow("format 99") << "format" << QJsonValue(99) << "unsupported format 99";
    QTest::newRow("format a word") << "format" << QJsonValue(QStringLiteral("1")) << "not a Poolscope snapshot (no 'format')";
    QTest::newRow("counters a number") << "counters" << QJsonValue(1) << "not a Poolscope snapshot (no 'counters')";
}

void TestSnapshotReader::badFieldsAreRefusedByName()
{
    QFETCH(QString, path);
    QFETCH(QJsonValue, value);
    QFETCH(QString, reason);
    const QJsonObject json = withValue(validSnapshot(), path.split(QLatin1Char('.')), value).toObject();
    RunReport report;
    report.backend = "untouched";
    QString error;
    QVERIFY(!readSnapshot(bytesOf(json), report, error));
    QVERIFY2(error.contains(reason), qPrintable(error));
    QCOMPARE(report.backend, std::string("untouched")); // all or nothing
}

void TestSnapshotReader::arraysAreCapped_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("reason");
    const QByteArray head = R"({"format":1,"counters":{},)";
    const auto capacity = static_cast<qsizetype>(SamplerOptions{}.capacity);
    QTest::newRow("one sample too many") << repeated(head + R"("history":[)", "{}", capacity + 1, "]}")
                                         << QStringLiteral("'history' has %1 entries; a snapshot has at most %2").arg(capacity + 1).arg(capacity);
    // 30 MB of empty samples: 6.2 GB before; refused before the parser builds them.
    QTest::newRow("10 M empty samples") << repeated(head + R"("history":[)", "{}", 10'000'000, "]}") << QStringLiteral("too many JSON values");
    QTest::newRow("100 M numbers") << repeated(head + R"("history":[)", "0", 50'000'000, "]}") << QStringLiteral("too many JSON values");
    QTest::newRow("workers list") << repeated(head + R"("exceptions":[{"workers":[)", "1", 1025, "]}]}")
                                  << QStringLiteral("'exceptions[0].workers' has 1025 entries");
}

void TestSnapshotReader::arraysAreCapped()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, reason);
    RunReport report;
    QString error;
    QVERIFY(!readSnapshot(json, report, error));
    QVERIFY2(error.contains(reason), qPrintable(error));
    QVERIFY(report.history.empty());
}

// Format 1 (before the I/O counters) still reads, its I/O fields 0; format 2 reads them.
void TestSnapshotReader::bothFormatsRead_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<quint64>("ioCompleted");
    QTest::addColumn<quint64>("ioRecvCompleted");
    QTest::newRow("format 1, no I/O") << QByteArray(R"({"format":1,"counters":{"posted":5,"completed":5}})")
                                      << quint64(0) << quint64(0);
    QTest::newRow("format 2, I/O") << QByteArray(R"({"format":2,"counters":{"posted":5,"completed":5,)"
                                                 R"("io_completed":40,"io_recv_completed":30}})")
                                   << quint64(40) << quint64(30);
}

void TestSnapshotReader::bothFormatsRead()
{
    QFETCH(QByteArray, json);
    QFETCH(quint64, ioCompleted);
    QFETCH(quint64, ioRecvCompleted);
    RunReport report;
    QString error;
    QVERIFY2(readSnapshot(json, report, error), qPrintable(error));
    QCOMPARE(report.counters.posted, std::uint64_t(5));
    QCOMPARE(report.counters.ioCompleted, std::uint64_t(ioCompleted));
    QCOMPARE(report.counters.ioRecvCompleted, std::uint64_t(ioRecvCompleted));
}

void TestSnapshotReader::missingFieldsKeepTheirDefaults()
{
    RunReport report;
    QString error;
    QVERIFY2(readSnapshot(QByteArray(R"({"format":1,"counters":{"posted":5},"rates":{"posts_per_s":null}})"), report, error),
             qPrintable(error));
    const RunReport defaults;
    QCOMPARE(report.counters.posted, std::uint64_t(5));
    QCOMPARE(report.pool.workers, defaults.pool.workers);
    QCOMPARE(report.pool.measureLatency, defaults.pool.measureLatency);
    QCOMPARE(report.load.producers, defaults.load.producers);
    QCOMPARE(report.load.ratePerSecond, defaults.load.ratePerSecond);
    QCOMPARE(report.load.period, defaults.load.period);
    QCOMPARE(report.load.pattern, defaults.load.pattern);
    QCOMPARE(report.counters.policy, defaults.counters.policy);
    QCOMPARE(report.postsPerSecond, defaults.postsPerSecond); // null is the writer's NaN: the default stays
}

void TestSnapshotReader::onlyBoundedRegularFilesAreRead_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("reason");
    QTest::newRow("/dev/zero") << QStringLiteral("/dev/zero") << QStringLiteral("a device, not a regular file");
    QTest::newRow("a folder") << QStringLiteral("FOLDER") << QStringLiteral("a folder, not a regular file");
    QTest::newRow("100 GB sparse") << QStringLiteral("SPARSE") << QStringLiteral("the limit is 256 MiB");
    QTest::newRow("missing") << QStringLiteral("FOLDER/none.json") << QString::fromLocal8Bit(std::strerror(ENOENT));
}

void TestSnapshotReader::onlyBoundedRegularFilesAreRead()
{
    QFETCH(QString, path);
    QFETCH(QString, reason);
    QTemporaryDir folder;
    const QString sparse = folder.filePath(QStringLiteral("sparse.json"));
    QFile file(sparse);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QVERIFY(file.resize(100LL * 1000 * 1000 * 1000)); // no blocks: a hole of 100 GB
    file.close();
    path.replace(QStringLiteral("SPARSE"), sparse).replace(QStringLiteral("FOLDER"), folder.path());
    RunReport report;
    QString error;
    QVERIFY(!readSnapshot(path, report, error));
    QVERIFY2(error.contains(reason) && error.contains(path), qPrintable(error));
}

void TestSnapshotReader::fifoIsRefusedWithoutWaiting()
{
    QTemporaryDir folder;
    const QString fifo = folder.filePath(QStringLiteral("pipe.json"));
    QVERIFY(::mkfifo(fifo.toLocal8Bit().constData(), 0600) == 0);
    RunReport report;
    QString error;
    QVERIFY(!readSnapshot(fifo, report, error)); // no writer: the open must not block
    QVERIFY2(error.contains(QStringLiteral("a FIFO, not a regular file")), qPrintable(error));
}

void TestSnapshotReader::longStringsAreElided()
{
    const QString huge(100'000, QLatin1Char('v'));
    const QJsonObject json = withValue(validSnapshot(), {QStringLiteral("poolscope_version")}, huge).toObject();
    RunReport report;
    QString error;
    QVERIFY2(readSnapshot(bytesOf(json), report, error), qPrintable(error));
    QCOMPARE(report.poolscopeVersion.size(), std::size_t(SnapshotLimits::MaxStringChars + 3));
    // Before: the word-wrapped summary took the string's width as the window's minimum (GBs of RSS).
    SnapshotWindow window(QStringLiteral("long.json"), report);
    QVERIFY(window.minimumSizeHint().width() < 3000);
    QVERIFY(window.summaryText().size() < 2000);
}

void TestSnapshotReader::placeholdersInTheFileAreShownAsText()
{
    QJsonObject json = withValue(validSnapshot(), {QStringLiteral("poolscope_version")}, QStringLiteral("%1%2")).toObject();
    json = withValue(json, {QStringLiteral("host"), QStringLiteral("os")}, QStringLiteral("os %9")).toObject();
    RunReport report;
    QString error;
    QVERIFY2(readSnapshot(bytesOf(json), report, error), qPrintable(error));
    SnapshotWindow window(QStringLiteral("p.json"), report);
    const QString summary = window.summaryText();
    QVERIFY2(summary.contains(QStringLiteral("Poolscope %1%2 · linux-futex on 2 processors, os %9")), qPrintable(summary));
}

QTEST_MAIN(TestSnapshotReader)
#include "tst_snapshotreader.moc"
