// SessionWatch: the auto-sizer's decisions reach the session through apply(), alerts fire on
// the same samples, a new run starts the logs afresh, bad options change nothing, and the
// run report's JSON carries both.

#include "poolsession.h"
#include "runreport.h"
#include "sessionwatch.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <sstream>

using namespace poolscope;
using namespace std::chrono_literals;

class TestSessionWatch : public QObject {
    Q_OBJECT

private slots:
    void decisionsAreAppliedToTheSession();
    void alertsFireOnTheSameSamples();
    void badOptionsChangeNothing();
    void newRunStartsAfresh();
    void reportJsonHasBothSections();
};

namespace {

// Samples of a pool that completes 1,000/s per worker up to 4 workers, 50 ms apart.
struct FakeSeries {
    std::uint64_t now = 0, completed = 0;
    Sample next(unsigned workers)
    {
        now += 50'000'000;
        completed += 50 * std::min(workers, 4u);
        Sample s;
        s.pool.timestampNs = now;
        s.pool.completed = s.pool.posted = completed;
        s.pool.targetWorkers = s.pool.liveWorkers = workers;
        s.pool.queued = 1000;
        s.queueWait.count = 10;
        s.queueWait.p99 = 2'000'000'000;
        return s;
    }
};

SessionSettings idlePool()
{
    SessionSettings settings;
    settings.workers = 1;
    return settings;
}

} // namespace

void TestSessionWatch::decisionsAreAppliedToTheSession()
{
    PoolSession session(idlePool(), {.autoStart = false});
    SessionWatch watch(session);
    watch.setAutoSize(AutoSizerOptions{.ceiling = 16, .warmUp = 0ms, .window = 500ms});
    QVERIFY(watch.isAutoSizing());
    FakeSeries series;
    SessionWatch::Events events;
    for (int i = 0; i < 400 && watch.report().autoSizePhase != "settled"; ++i)
        watch.observe({series.next(session.settings().workers)}, events);
    QVERIFY(!events.decisions.empty());
    QCOMPARE(events.decisions.front().from, 1u);
    QCOMPARE(session.settings().workers, events.decisions.back().to);
    QCOMPARE(session.status().pool.targetWorkers, events.decisions.back().to);
    QCOMPARE(watch.report().autoSizePhase, std::string("settled"));
    QVERIFY2(session.settings().workers >= 4 && session.settings().workers <= 5, qPrintable(QString::number(session.settings().workers)));
    QCOMPARE(watch.decisions().size(), events.decisions.size());

    watch.setAutoSize(std::nullopt);
    const unsigned settled = session.settings().workers;
    events = {};
    for (int i = 0; i < 200; ++i)
        watch.observe({series.next(session.settings().workers)}, events);
    QVERIFY(events.decisions.empty());
    QCOMPARE(session.settings().workers, settled);
}

void TestSessionWatch::alertsFireOnTheSameSamples()
{
    PoolSession session(idlePool(), {.autoStart = false});
    SessionWatch watch(session);
    std::vector<AlertRule> rules;
    std::string error;
    QVERIFY(parseAlertRules("backlog: queued > 100 for 1s; quiet: completions/s > 1000000", rules, error));
    watch.setAlertRules(rules);
    FakeSeries series;
    SessionWatch::Events events;
    std::vector<Sample> batch;
    for (int i = 0; i < 30; ++i)
        batch.push_back(series.next(1));
    watch.observe(batch, events);
    QCOMPARE(events.alerts.size(), std::size_t(1));
    QCOMPARE(events.alerts[0].rule, std::string("backlog"));
    QVERIFY(events.alerts[0].notify);
    QCOMPARE(watch.alertStates()[0].firing, true);
    QCOMPARE(watch.alertStates()[1].firing, false);
    QCOMPARE(watch.alertEvents().size(), std::size_t(1));
    QVERIFY(events.decisions.empty()); // auto-size is off
}

void TestSessionWatch::badOptionsChangeNothing()
{
    PoolSession session(idlePool(), {.autoStart = false});
    SessionWatch watch(session);
    watch.setAutoSize(AutoSizerOptions{.ceiling = 8});
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, watch.setAutoSize(AutoSizerOptions{.floor = 9, .ceiling = 8}));
    QVERIFY(watch.isAutoSizing());
    QCOMPARE(watch.autoSizeOptions().ceiling, 8u);
}

void TestSessionWatch::newRunStartsAfresh()
{
    PoolSession session(idlePool(), {.autoStart = false});
    SessionWatch watch(session);
    std::vector<AlertRule> rules;
    std::string error;
    QVERIFY(parseAlertRules("backlog: queued > 100", rules, error));
    watch.setAlertRules(rules);
    FakeSeries series;
    SessionWatch::Events events;
    watch.observe({series.next(1)}, events);
    QCOMPARE(watch.alertEvents().size(), std::size_t(1));
    watch.startNewRun();
    QVERIFY(watch.alertEvents().empty());
    QCOMPARE(watch.alertStates()[0].firing, false);
    QCOMPARE(watch.alertRules().size(), std::size_t(1)); // the rules stay
}

void TestSessionWatch::reportJsonHasBothSections()
{
    PoolSession session(idlePool(), {.autoStart = false});
    SessionWatch watch(session);
    watch.setAutoSize(AutoSizerOptions{.warmUp = 0ms, .window = 500ms});
    std::vector<AlertRule> rules;
    std::string error;
    QVERIFY(parseAlertRules("backlog: queued > 100", rules, error));
    watch.setAlertRules(rules);
    FakeSeries series;
    SessionWatch::Events events;
    for (int i = 0; i < 40; ++i)
        watch.observe({series.next(session.settings().workers)}, events);
    QVERIFY(!events.decisions.empty());

    RunReport report = captureRunReport(session, {});
    report.watch = watch.report();
    std::ostringstream out;
    writeJson(out, report);
    QJsonParseError parseError;
    const QJsonObject json = QJsonDocument::fromJson(QByteArray::fromStdString(out.str()), &parseError).object();
    QCOMPARE(parseError.error, QJsonParseError::NoError);
    const QJsonObject autoSize = json.value("auto_size").toObject();
    QCOMPARE(autoSize.value("enabled").toBool(), true);
    QCOMPARE(autoSize.value("wait_target_ms").toInt(), 50);
    const QJsonArray decisions = autoSize.value("decisions").toArray();
    QCOMPARE(decisions.size(), qsizetype(events.decisions.size()));
    QCOMPARE(decisions[0].toObject().value("action").toString(), QStringLiteral("probe"));
    QCOMPARE(decisions[0].toObject().value("reason").toString(), QString::fromStdString(events.decisions[0].reason));
    const QJsonObject alerts = json.value("alerts").toObject();
    QCOMPARE(alerts.value("rules").toArray()[0].toObject().value("rule").toString(), QStringLiteral("backlog: queued > 100"));
    QCOMPARE(alerts.value("rules").toArray()[0].toObject().value("firing").toBool(), true);
    QCOMPARE(alerts.value("events").toArray()[0].toObject().value("event").toString(), QStringLiteral("fired"));
}

QTEST_GUILESS_MAIN(TestSessionWatch)
#include "tst_sessionwatch.moc"
