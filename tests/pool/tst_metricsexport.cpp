// The export formats: OpenMetrics checked by a parser of our own (and the Prometheus text
// flavour by promtool, where it is installed), CSV read back. File writes: tst_safefilewriter.

#include "metricsexport.h"
#include "workerpool.h"

#include <QtTest>

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace poolscope;

namespace {

MetricsView viewOfARealPool()
{
    WorkerPool pool({.workers = 2});
    for (int i = 0; i < 500; ++i)
        pool.post([i] {
            if (i % 50 == 0)
                throw std::runtime_error("x");
        });
    pool.shutdown(ShutdownMode::Graceful);
    MetricsView view;
    view.snapshot = pool.snapshot();
    pool.addLatencyHistograms(view.queueWait, view.serviceTime);
    view.backend = WorkerPool::backendName();
    return view;
}

std::string render(const MetricsView &view, MetricsFormat format)
{
    std::ostringstream out;
    writeMetrics(out, view, format);
    return out.str();
}

} // namespace

class TestMetricsExport : public QObject {
    Q_OBJECT

private slots:
    void openMetricsIsWellFormed();
    void prometheusTextPassesPromtool();
    void csvReadsBack();
};

void TestMetricsExport::openMetricsIsWellFormed()
{
    const MetricsView view = viewOfARealPool();
    const std::string text = render(view, MetricsFormat::OpenMetrics);
    QVERIFY(text.ends_with("# EOF\n"));

    std::map<std::string, std::string> typeOf; // family -> type
    std::set<std::string> helped;
    std::map<std::string, double> samples;
    std::istringstream lines(text);
    std::string line;
    std::string currentFamily;
    while (std::getline(lines, line)) {
        if (line == "# EOF")
            break;
        std::istringstream words(line);
        if (line.starts_with("# HELP ")) {
            std::string hash, keyword, name;
            words >> hash >> keyword >> name;
            helped.insert(name);
            continue;
        }
        if (line.starts_with("# TYPE ")) {
            std::string hash, keyword, name, type;
            words >> hash >> keyword >> name >> type;
            QVERIFY2(helped.count(name), name.c_str()); // HELP comes first
            typeOf[name] = type;
            currentFamily = name;
            continue;
        }
        std::string name;
        double value = 0;
        words >> name >> value;
        QVERIFY2(name.starts_with("poolscope_"), line.c_str());
        QVERIFY2(name.starts_with(currentFamily), line.c_str()); // a sample belongs to the family above it
        if (typeOf[currentFamily] == "counter") // a labelled counter's labels come after _total
            QVERIFY2(name.substr(0, name.find('{')) == currentFamily + "_total", line.c_str());
        samples[name] = value;
    }
    QCOMPARE(samples["poolscope_units_posted_total"], double(view.snapshot.posted));
    QCOMPARE(samples["poolscope_units_failed_total"], 10.0);
    QCOMPARE(typeOf["poolscope_queue_wait_seconds"], std::string("histogram"));
    QCOMPARE(typeOf["poolscope_build"], std::string("info"));

    // Histogram buckets never decrease and end at the count.
    std::istringstream again(text);
    double previous = -1;
    int buckets = 0;
    while (std::getline(again, line)) {
        if (!line.starts_with("poolscope_service_seconds_bucket"))
            continue;
        const double value = std::stod(line.substr(line.rfind(' ') + 1));
        QVERIFY(value >= previous);
        previous = value;
        ++buckets;
    }
    QVERIFY(buckets > 20);
    QCOMPARE(previous, double(view.serviceTime.count()));
    QCOMPARE(samples["poolscope_service_seconds_count"], 500.0);
}

void TestMetricsExport::prometheusTextPassesPromtool()
{
    const QString promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
    if (promtool.isEmpty())
        QSKIP("promtool is not installed (Debian package prometheus); the OpenMetrics parser test still runs");
    const std::string text = render(viewOfARealPool(), MetricsFormat::PrometheusText);
    QProcess check;
    check.start(promtool, {QStringLiteral("check"), QStringLiteral("metrics")});
    QVERIFY(check.waitForStarted());
    check.write(text.data(), static_cast<qint64>(text.size()));
    check.closeWriteChannel();
    QVERIFY(check.waitForFinished(30000));
    const QByteArray complaints = check.readAllStandardOutput() + check.readAllStandardError();
    QVERIFY2(check.exitCode() == 0 && complaints.trimmed().isEmpty(), complaints.constData());
}

void TestMetricsExport::csvReadsBack()
{
    WorkerPool pool({.workers = 2});
    Sampler sampler({.rateHz = 20, .capacity = 100});
    sampler.setSource(Sampler::sourceFor(pool));
    for (int i = 0; i < 5; ++i) {
        pool.post([] {});
        sampler.sampleNow();
    }
    std::vector<Sample> samples;
    sampler.copySince(0, samples);
    std::ostringstream out;
    writeCsv(out, samples);
    const QStringList rows = QString::fromStdString(out.str()).split(QStringLiteral("\r\n"), Qt::SkipEmptyParts);
    QCOMPARE(rows.size(), 1 + 5);
    const QStringList header = rows.first().split(QLatin1Char(','));
    QVERIFY(header.contains(QStringLiteral("completions_per_s")));
    QVERIFY(header.contains(QStringLiteral("service_p99_ns")));
    for (const char *io : {"io_completions_per_s", "io_recv_completions_per_s", "io_accept_completions_per_s",
                           "io_failures_per_s", "io_bytes_read_per_s", "io_bytes_written_per_s", "io_p99_ns"})
        QVERIFY2(header.contains(QLatin1String(io)), io);
    for (const QString &row : rows)
        QCOMPARE(row.split(QLatin1Char(',')).size(), header.size());
    const int postedColumn = static_cast<int>(header.indexOf(QStringLiteral("posted")));
    QCOMPARE(rows.last().split(QLatin1Char(','))[postedColumn], QStringLiteral("5"));
}

QTEST_GUILESS_MAIN(TestMetricsExport)
#include "tst_metricsexport.moc"
