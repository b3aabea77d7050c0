// Alert rules: parsing good rules (and writing them back the same), bad rules refused with
// an error naming the rule, and each rule firing, silencing and clearing on a scripted
// series of samples.

#include "alertrules.h"

#include <QtTest>

using namespace poolscope;

class TestAlertRules : public QObject {
    Q_OBJECT

private slots:
    void parsesGoodRules_data();
    void parsesGoodRules();
    void refusesBadRules_data();
    void refusesBadRules();
    void ruleSetIsAllOrNothing();
    void firesSilencesAndClears_data();
    void firesSilencesAndClears();
    void resetClearsEveryRule();
    void messagesShowTheValues();
};

void TestAlertRules::parsesGoodRules_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("canonical");
    QTest::newRow("queue depth") << "deep-queue: queued > 10,000 for 5s" << "deep-queue: queued > 10000 for 5s";
    QTest::newRow("no spaces") << "slow-wait:wait.p99>50ms" << "slow-wait: wait.p99 > 50ms";
    QTest::newRow("silence") << "failing: failures/s > 0 silence 1m" << "failing: failures/s > 0 silence 1m";
    QTest::newRow("starvation") << "starvation: queued > 0 and completions/s == 0 for 2 s"
                                << "starvation: queued > 0 and completions/s == 0 for 2s";
    QTest::newRow("metric vs metric") << "  missing-workers: live < target for 10s  " << "missing-workers: live < target for 10s";
    QTest::newRow("fraction of a unit") << "x: wait.p99 >= 1.5ms" << "x: wait.p99 >= 1500us";
    QTest::newRow("silence before for") << "y: rejected/s != 0 silence 30s for 500ms" << "y: rejected/s != 0 for 500ms silence 30s";
    QTest::newRow("underscores, decimals") << "z.1: in-flight <= 1_000.5" << "z.1: in-flight <= 1000.5";
    QTest::newRow("tiny and huge") << "t: in-flight > 0.00001 and wait.max < 0.5ns and posted < 1,000,000,000,000,000,000"
                                   << "t: in-flight > 0.00001 and wait.max < 0.5ns and posted < 1000000000000000000";
    QTest::newRow("service max") << "long_units: service.max > 2 min" << "long_units: service.max > 2m";
}

void TestAlertRules::parsesGoodRules()
{
    QFETCH(QString, text);
    QFETCH(QString, canonical);
    AlertRule rule;
    std::string error;
    QVERIFY2(parseAlertRule(text.toStdString(), rule, error), error.c_str());
    QCOMPARE(QString::fromStdString(rule.text()), canonical);
    // The canonical text reads back as the same rule.
    AlertRule again;
    QVERIFY2(parseAlertRule(rule.text(), again, error), error.c_str());
    QCOMPARE(again, rule);
}

void TestAlertRules::refusesBadRules_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error"); // the start of the message
    QTest::newRow("no name") << "queued > 10" << "rule 'queued > 10': a rule starts with its name";
    QTest::newRow("bad name") << "deep queue: queued > 10" << "rule 'deep queue: queued > 10': a rule starts with its name";
    QTest::newRow("unknown metric") << "q: queue > 10" << "rule 'q': unknown metric 'queue' (the metrics are: posted, started,";
    QTest::newRow("time without unit") << "w: wait.p99 > 50" << "rule 'w': 'wait.p99' is a time: give '50' a unit";
    QTest::newRow("count with unit") << "q: queued > 5s" << "rule 'q': 'queued' is a count: '5s' must be a plain number";
    QTest::newRow("no comparison") << "q: queued 10" << "rule 'q': 'queued' must be followed by a comparison (> >= < <= == !=), not '10'";
    QTest::newRow("nothing to compare with") << "q: queued >" << "rule 'q': 'queued >' needs a number or a metric";
    QTest::newRow("duration without unit") << "q: queued > 10 for 5" << "rule 'q': 'for' takes a duration with a unit, e.g. for 5s";
    QTest::newRow("dangling and") << "q: queued > 10 and" << "rule 'q': a condition must follow 'and'";
    QTest::newRow("bad grouping") << "q: queued > 1,,0" << "rule 'q': '1,' is not a number";
    QTest::newRow("units differ") << "q: live < wait.p99" << "rule 'q': 'live' is a count and 'wait.p99' is a time: they do not compare";
    QTest::newRow("trailing word") << "q: queued > 10 forever" << "rule 'q': unexpected 'forever'";
    QTest::newRow("twice for") << "q: queued > 10 for 1s for 2s" << "rule 'q': unexpected 'for'";
    QTest::newRow("empty body") << "q:" << "rule 'q': no condition";
    QTest::newRow("too long a duration") << "q: queued > 10 for 25h" << "rule 'q': 'for 25h' must be whole milliseconds up to 24 h";
    QTest::newRow("unknown unit") << "q: queued > 10 for 5y" << "rule 'q': '5y': unknown unit 'y'";
    QTest::newRow("exponent") << "q: queued > 1e999" << "rule 'q': unexpected '9' after '1e'";
    QTest::newRow("too long a time") << "q: wait.max > 1000000000000h" << "rule 'q': '1000000000000h' is too long a time";
    QTest::newRow("stray character") << "q: queued > (10)" << "rule 'q': unexpected '('";
    QTest::newRow("control characters quoted") << QStringLiteral("q\x01: x") << "rule 'q : x': a rule starts with its name";
}

void TestAlertRules::refusesBadRules()
{
    QFETCH(QString, text);
    QFETCH(QString, error);
    AlertRule rule;
    rule.name = "untouched";
    std::string message;
    QVERIFY(!parseAlertRule(text.toStdString(), rule, message));
    QVERIFY2(QString::fromStdString(message).startsWith(error), message.c_str());
    QCOMPARE(rule.name, std::string("untouched"));
}

void TestAlertRules::ruleSetIsAllOrNothing()
{
    std::vector<AlertRule> rules;
    std::string error;
    QVERIFY2(parseAlertRules("# comments and blank lines\n\ndeep-queue: queued > 10000 for 5s\n"
                             "slow-wait: wait.p99 > 50ms; failing: failures/s > 0 silence 1m\n",
                             rules, error),
             error.c_str());
    QCOMPARE(rules.size(), std::size_t(3));
    QCOMPARE(rules[2].name, std::string("failing"));
    QCOMPARE(alertRulesText(rules), std::string("deep-queue: queued > 10000 for 5s\nslow-wait: wait.p99 > 50ms\n"
                                                "failing: failures/s > 0 silence 1m\n"));

    std::vector<AlertRule> kept = rules;
    QVERIFY(!parseAlertRules("a: queued > 1\nb: nonsense > 1\n", rules, error));
    QVERIFY2(QString::fromStdString(error).startsWith("rule 'b': unknown metric 'nonsense'"), error.c_str());
    QCOMPARE(rules, kept);
    QVERIFY(!parseAlertRules("a: queued > 1\na: live < target\n", rules, error));
    QCOMPARE(error, std::string("rule 'a': a second rule of that name"));
    std::string many;
    for (std::size_t i = 0; i <= MaxAlertRules; ++i)
        many += "r" + std::to_string(i) + ": queued > 1\n";
    QVERIFY(!parseAlertRules(many, rules, error));
    QCOMPARE(error, std::string("at most 64 alert rules"));
    QCOMPARE(rules, kept);
}

namespace {

// "queued: 0 5 5 | completions/s: 10 0 0": one sample a second from t = 1 s; fields not
// scripted stay at a healthy pool's values (4 of 4 workers, 100 completions/s, nothing queued).
std::vector<Sample> scriptedSamples(const QString &script)
{
    std::vector<Sample> samples;
    const QStringList series = script.split(QLatin1Char('|'));
    for (const QString &one : series) {
        const QString field = one.section(QLatin1Char(':'), 0, 0).trimmed();
        const QStringList values = one.section(QLatin1Char(':'), 1).split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (samples.size() < static_cast<std::size_t>(values.size()))
            for (std::size_t i = samples.size(); i < static_cast<std::size_t>(values.size()); ++i) {
                Sample s;
                s.sequence = i + 1;
                s.pool.timestampNs = (i + 1) * 1'000'000'000ull;
                s.pool.targetWorkers = s.pool.liveWorkers = 4;
                s.completionsPerSecond = 100;
                samples.push_back(s);
            }
        for (qsizetype i = 0; i < values.size(); ++i) {
            Sample &s = samples[static_cast<std::size_t>(i)];
            const double v = values[i].toDouble();
            if (field == QLatin1String("queued"))
                s.pool.queued = static_cast<std::uint64_t>(v);
            else if (field == QLatin1String("completions/s"))
                s.completionsPerSecond = v;
            else if (field == QLatin1String("failures/s"))
                s.failuresPerSecond = v;
            else if (field == QLatin1String("wait.p99 ms"))
                s.queueWait.p99 = static_cast<std::uint64_t>(v * 1e6);
            else if (field == QLatin1String("live"))
                s.pool.liveWorkers = static_cast<std::uint32_t>(v);
            else if (field == QLatin1String("rejected"))
                s.pool.rejected = static_cast<std::uint64_t>(v);
            else
                qFatal("unknown scripted field %s", qPrintable(field));
        }
    }
    return samples;
}

// "fired@7 cleared@9 silenced@4": what happened at which second.
QString eventsText(const std::vector<AlertEvent> &events)
{
    QStringList out;
    for (const AlertEvent &e : events)
        out << QStringLiteral("%1@%2")
                   .arg(e.kind == AlertEventKind::Cleared ? QStringLiteral("cleared") : e.notify ? QStringLiteral("fired") : QStringLiteral("silenced"))
                   .arg(e.timestampNs / 1'000'000'000ull);
    return out.join(QLatin1Char(' '));
}

} // namespace

void TestAlertRules::firesSilencesAndClears_data()
{
    QTest::addColumn<QString>("rule");
    QTest::addColumn<QString>("script");
    QTest::addColumn<QString>("expected");

    QTest::newRow("queue depth for 5 s") << "deep-queue: queued > 10,000 for 5s"
                                         << "queued: 0 20000 20000 20000 20000 20000 20000 20000 0"
                                         << "fired@7 cleared@9";
    QTest::newRow("a dip restarts the duration") << "deep-queue: queued > 10,000 for 2s"
                                                 << "queued: 20000 20000 0 20000 20000 20000 0"
                                                 << "fired@6 cleared@7";
    QTest::newRow("p99 wait at once") << "slow-wait: wait.p99 > 50ms" << "wait.p99 ms: 10 60 60 10 50" << "fired@2 cleared@4";
    QTest::newRow("failures, silenced for 10 s")
        << "failing: failures/s > 0 silence 10s" << "failures/s: 0 1 0 1 0 0 0 0 0 0 0 0 0 1 0"
        << "fired@2 cleared@3 silenced@4 cleared@5 fired@14 cleared@15";
    QTest::newRow("starvation") << "starvation: queued > 0 and completions/s == 0 for 2s"
                                << "queued: 0 5 5 5 5 5 0 | completions/s: 10 10 0 0 0 0 0" << "fired@5 cleared@7";
    QTest::newRow("missing workers for 10 s") << "missing-workers: live < target for 10s"
                                              << "live: 4 3 3 3 3 3 3 3 3 3 3 3 4" << "fired@12 cleared@13";
    QTest::newRow("missing workers, back in time") << "missing-workers: live < target for 10s"
                                                   << "live: 4 3 3 3 3 3 3 3 3 4" << "";
    QTest::newRow("a rate from counter deltas") << "rejecting: rejected/s > 5" << "rejected: 0 0 10 20 20" << "fired@3 cleared@5";
}

void TestAlertRules::firesSilencesAndClears()
{
    QFETCH(QString, rule);
    QFETCH(QString, script);
    QFETCH(QString, expected);
    std::vector<AlertRule> rules;
    std::string error;
    QVERIFY2(parseAlertRules(rule.toStdString(), rules, error), error.c_str());
    AlertEvaluator evaluator(rules);
    std::vector<AlertEvent> events;
    for (const Sample &sample : scriptedSamples(script))
        evaluator.observe(sample, events);
    QCOMPARE(eventsText(events), expected);
    const std::vector<AlertRuleState> states = evaluator.states();
    QCOMPARE(states.size(), std::size_t(1));
    QCOMPARE(states[0].rule, rules[0].name);
    QCOMPARE(states[0].fires, static_cast<std::uint64_t>(expected.count(QStringLiteral("fired")) + expected.count(QStringLiteral("silenced"))));
    QCOMPARE(states[0].firing, !events.empty() && events.back().kind == AlertEventKind::Fired);
}

void TestAlertRules::resetClearsEveryRule()
{
    std::vector<AlertRule> rules;
    std::string error;
    QVERIFY(parseAlertRules("q: queued > 0", rules, error));
    AlertEvaluator evaluator(rules);
    std::vector<AlertEvent> events;
    for (const Sample &sample : scriptedSamples("queued: 1 1"))
        evaluator.observe(sample, events);
    QCOMPARE(evaluator.states()[0].firing, true);
    evaluator.reset();
    QCOMPARE(evaluator.states()[0].firing, false);
    QCOMPARE(evaluator.states()[0].fires, std::uint64_t(0));
    events.clear();
    for (const Sample &sample : scriptedSamples("queued: 1"))
        evaluator.observe(sample, events);
    QCOMPARE(eventsText(events), QStringLiteral("fired@1")); // a new run notifies afresh
}

void TestAlertRules::messagesShowTheValues()
{
    std::vector<AlertRule> rules;
    std::string error;
    QVERIFY(parseAlertRules("deep: queued > 10,000 for 2s; starving: queued > 0 and completions/s == 0; slow: wait.p99 > 50ms", rules, error));
    AlertEvaluator evaluator(rules);
    std::vector<AlertEvent> events;
    for (const Sample &sample : scriptedSamples("queued: 12345 12345 12345 | completions/s: 0 0 0 | wait.p99 ms: 80 80 80"))
        evaluator.observe(sample, events);
    QCOMPARE(events.size(), std::size_t(3));
    QCOMPARE(events[0].message, std::string("queued 12,345 > 0 and completions/s 0/s == 0/s"));
    QCOMPARE(events[1].message, std::string("wait.p99 80.00 ms > 50.00 ms"));
    QCOMPARE(events[2].rule, std::string("deep"));
    QCOMPARE(events[2].message, std::string("queued 12,345 > 10,000 for 2.00 s"));
}

QTEST_GUILESS_MAIN(TestAlertRules)
#include "tst_alertrules.moc"
