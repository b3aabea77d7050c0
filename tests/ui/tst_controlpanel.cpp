// The control panel's sliders and spin boxes take the ranges of pool/settingranges.h: every
// setting at either end of its range goes in and comes back out unchanged.

#include "controlpanel.h"
#include "workerslider.h"
#include "sessionsettings.h"
#include "settingranges.h"

#include <QtTest>

#include <QSlider>
#include <QSpinBox>

using namespace poolscope;

class TestControlPanel : public QObject {
    Q_OBJECT

private slots:
    void widgetsTakeTheTableRanges_data();
    void widgetsTakeTheTableRanges();
    void workerSliderStopsWhereTheTableSays();
};

void TestControlPanel::widgetsTakeTheTableRanges_data()
{
    QTest::addColumn<bool>("high");
    QTest::newRow("low ends") << false;
    QTest::newRow("high ends") << true;
}

void TestControlPanel::widgetsTakeTheTableRanges()
{
    QFETCH(bool, high);
    const auto end = [high](Setting setting) { return high ? rangeOf(setting).high : rangeOf(setting).low; };
    ControlState state;
    state.workers = static_cast<int>(end(Setting::Workers));
    state.concurrency = static_cast<int>(end(Setting::Concurrency));
    LoadSettings &load = state.load;
    load.producers = static_cast<unsigned>(end(Setting::Producers));
    load.ratePerSecond = end(Setting::Rate);
    load.burstSize = static_cast<unsigned>(end(Setting::BurstSize));
    load.burstInterval = std::chrono::milliseconds(static_cast<long long>(end(Setting::BurstInterval)));
    load.period = std::chrono::milliseconds(static_cast<long long>(end(Setting::Period)));
    load.meanCost = std::chrono::microseconds(static_cast<long long>(end(Setting::MeanCost)));
    load.blockingShare = end(Setting::BlockingShare);
    load.blockingTime = std::chrono::microseconds(static_cast<long long>(end(Setting::BlockingTime)));
    load.exceptionProbability = end(Setting::ExceptionProbability);
    load.queueCap = static_cast<std::uint64_t>(end(Setting::QueueCap));
    SessionSettings settings;
    settings.workers = static_cast<unsigned>(state.workers);
    settings.concurrency = static_cast<unsigned>(state.concurrency);
    settings.load = load;
    QVERIFY2(settings.validate().empty(), settings.validate().c_str()); // the ends of the table are valid

    ControlPanel panel;
    panel.setState(state);
    QCOMPARE(panel.state(), state); // a spin box narrower than the table would clamp one of them
}

void TestControlPanel::workerSliderStopsWhereTheTableSays()
{
    ControlPanel panel;
    QCOMPARE(panel.workerSlider()->maximumCount(), static_cast<int>(rangeOf(Setting::Workers).sliderHigh));
    QCOMPARE(panel.workerSpin()->maximum(), static_cast<int>(rangeOf(Setting::Workers).high));
    ControlState state;
    state.workers = static_cast<int>(rangeOf(Setting::Workers).high);
    panel.setState(state);
    QCOMPARE(panel.workerSlider()->count(), panel.workerSlider()->maximumCount());
    QCOMPARE(panel.workerSpin()->value(), state.workers);
}

QTEST_MAIN(TestControlPanel)
#include "tst_controlpanel.moc"
