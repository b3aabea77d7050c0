// The setting-range table: well formed, and the one that validate() (load, session, I/O) and the sampler check
// against (each bound accepted, one step past it refused with the table's sentence).

#include "sampler.h"
#include "sessionsettings.h"
#include "settingranges.h"

#include <QtTest>

#include <set>
#include <stdexcept>

using namespace poolscope;

namespace {

// Sets the SessionSettings field of `setting`; false for a setting that is not one of its fields.
bool set(SessionSettings &s, Setting setting, double value)
{
    LoadSettings &load = s.load;
    IoLoadSettings &io = s.io;
    switch (setting) {
    case Setting::Workers: s.workers = static_cast<unsigned>(value); return true;
    case Setting::Concurrency: s.concurrency = static_cast<unsigned>(value); return true;
    case Setting::Producers: load.producers = static_cast<unsigned>(value); return true;
    case Setting::Rate: load.ratePerSecond = value; return true;
    case Setting::BurstSize: load.burstSize = static_cast<unsigned>(value); return true;
    case Setting::BurstInterval: load.burstInterval = std::chrono::milliseconds(static_cast<long long>(value)); return true;
    case Setting::Period: load.period = std::chrono::milliseconds(static_cast<long long>(value)); return true;
    case Setting::MeanCost: load.meanCost = std::chrono::microseconds(static_cast<long long>(value)); return true;
    case Setting::BlockingShare: load.blockingShare = value; return true;
    case Setting::BlockingTime: load.blockingTime = std::chrono::microseconds(static_cast<long long>(value)); return true;
    case Setting::ExceptionProbability: load.exceptionProbability = value; return true;
    case Setting::QueueCap: load.queueCap = static_cast<std::uint64_t>(value); return true;
    case Setting::IoConnections: io.connections = static_cast<unsigned>(value); return true;
    case Setting::IoMessageSize: io.messageBytes = static_cast<std::uint32_t>(value); return true;
    case Setting::IoRate: io.messagesPerSecond = value; return true;
    case Setting::IoThinkTime: io.thinkTime = std::chrono::microseconds(static_cast<long long>(value)); return true;
    case Setting::IoCost: io.costPerMessage = std::chrono::microseconds(static_cast<long long>(value)); return true;
    case Setting::IoReads: io.readsOutstanding = static_cast<unsigned>(value); return true;
    case Setting::IoBlockSize: io.blockBytes = static_cast<std::uint32_t>(value); return true;
    default: return false;
    }
}

// One step past a bound: 1 for whole-number settings, a little for fractions.
double step(const SettingRange &range) { return range.high <= 1 ? 0.01 : 1; }

} // namespace

class TestSettingRanges : public QObject {
    Q_OBJECT

private slots:
    void rowsAreWellFormed();
    void validateChecksTheTableBounds();
    void samplerRateIsTheTableRange();
    void messagesWriteNumbersPlainly();
    void ioRowsSayWhatZeroMeans();
};

void TestSettingRanges::rowsAreWellFormed()
{
    std::set<std::string_view> names, options;
    int index = 0;
    for (const SettingRange &range : settingRanges()) {
        QCOMPARE(static_cast<int>(range.setting), index++);
        QCOMPARE(&rangeOf(range.setting), &range);
        QVERIFY2(names.insert(range.name).second, range.name.data());
        QVERIFY2(options.insert(range.option).second, range.option.data());
        QVERIFY(!range.help.empty() && !range.help.ends_with('.'));
        QVERIFY(range.low <= range.sliderHigh && range.sliderHigh <= range.high);
        QVERIFY(range.contains(range.low) && range.contains(range.high));
        QVERIFY(!range.contains(std::nan("")));
    }
    QCOMPARE(rangeOf(Setting::Workers).bounds(), std::string("0..1024"));
    QCOMPARE(rangeOf(Setting::BurstInterval).boundsWithUnit(), std::string("1..60000 ms"));
}

void TestSettingRanges::validateChecksTheTableBounds()
{
    int checked = 0;
    for (const SettingRange &range : settingRanges()) {
        SessionSettings settings;
        if (!set(settings, range.setting, range.high))
            continue; // not a SessionSettings field (sampler, headless run, sweep)
        ++checked;
        QVERIFY2(settings.validate().empty(), settings.validate().c_str());
        QVERIFY(set(settings, range.setting, range.low));
        QVERIFY2(settings.validate().empty(), settings.validate().c_str());
        const double past = range.high + step(range);
        QVERIFY(set(settings, range.setting, past));
        const std::string error = settings.validate();
        QCOMPARE(error, range.outOfRange(past));
        if (range.low >= step(range)) {
            QVERIFY(set(settings, range.setting, range.low - step(range)));
            QVERIFY2(!settings.validate().empty(), range.name.data());
        }
    }
    QCOMPARE(checked, 19);
}

void TestSettingRanges::samplerRateIsTheTableRange()
{
    Sampler sampler({.rateHz = 20, .capacity = 10, .autoStart = false});
    const SettingRange &range = rangeOf(Setting::SampleRate);
    sampler.setRate(range.high);
    sampler.setRate(range.low);
    try {
        sampler.setRate(range.high + 1);
        QFAIL("no exception");
    } catch (const std::invalid_argument &e) {
        QCOMPARE(std::string(e.what()), range.outOfRange(range.high + 1));
    }
}

void TestSettingRanges::messagesWriteNumbersPlainly()
{
    QCOMPARE(numberText(10'000'000), std::string("10000000"));
    QCOMPARE(numberText(0.1), std::string("0.1"));
    QCOMPARE(numberText(0.001), std::string("0.001"));
    QCOMPARE(rangeOf(Setting::Producers).outOfRange(9u), std::string("producers must be 1..8 (got 9)"));
}

// 0 as a value of its own (the I/O rate) is said in the sentence; 0 that turns a load off (I/O
// connections, reads) is taken by the command line only, and IoLoadSettings::validate() keeps 1..256.
void TestSettingRanges::ioRowsSayWhatZeroMeans()
{
    const SettingRange &rate = rangeOf(Setting::IoRate);
    QCOMPARE(rate.outOfRange(-1.0), std::string("I/O message rate must be 0..1000000 messages/s (0 = as fast as possible) (got -1)"));
    QCOMPARE(rate.optionBounds(), std::string("0..1000000"));

    const SettingRange &connections = rangeOf(Setting::IoConnections);
    QVERIFY(!connections.contains(0) && connections.optionAccepts(0));
    QVERIFY(connections.optionAccepts(256) && !connections.optionAccepts(257) && !connections.optionAccepts(0.5));
    QCOMPARE(connections.optionBounds(), std::string("0..256"));
    QCOMPARE(connections.outOfRange(0u), std::string("I/O connections must be 1..256 (got 0)"));

    const SettingRange &block = rangeOf(Setting::IoBlockSize);
    QVERIFY(!block.optionAccepts(0));
    QCOMPARE(block.outOfRange(2'000'000.0), std::string("I/O block size must be 512..1048576 bytes (got 2000000)"));

    SessionSettings settings;
    settings.io.readsOutstanding = 0;
    QCOMPARE(settings.validate(), std::string("I/O reads outstanding must be 1..256 (got 0)"));
}

QTEST_GUILESS_MAIN(TestSettingRanges)
#include "tst_settingranges.moc"
