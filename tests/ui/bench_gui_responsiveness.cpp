// GUI responsiveness under a flood (issue: "The GUI stays responsive at any load").
//  1. Offers 10,000,000 units/s (4 producers) with an exception on 10 % of units to a live
//     MainWindow for N seconds, and measures how long the GUI thread's event loop takes to
//     answer a posted event (p50 / p99 / max).
//  2. Fills the charts with an hour of samples at 20 Hz (72,000 points per series) and
//     times a replot of all four charts (median of 30).
//  3. Monitoring overhead: completions/s of the same as-fast-as-possible load with the window
//     (sampler at 60 Hz, GUI refresh at 30 Hz) and with neither (pool and generator alone),
//     alternated 3 times, the order flipping every round; the median of the per-pair ratios,
//     and the GUI thread's own CPU time per second with the window (CLOCK_THREAD_CPUTIME_ID).
// Run under Xvfb or with QT_QPA_PLATFORM=offscreen. Usage: bench_gui_responsiveness [seconds]

#include "chartspanel.h"
#include "mainwindow.h"
#include "poolsession.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

#include <algorithm>
#include <memory>
#include <cstdio>

#include <time.h>

using namespace poolscope;

namespace {
double threadCpuSeconds()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

// Runs the GUI's events for `ms`. A local loop, not QApplication::quit(): since Qt 6 that sends
// the windows a close event, and a MainWindow that closes shuts its session down (the load stops).
void runEventsFor(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

double percentile(std::vector<double> values, double p)
{
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}
} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    const int seconds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 10;

    PoolSession session;
    MainWindow window(session);
    ControlState state;
    state.workers = 2;
    state.concurrency = 2;
    state.load.producers = 4;
    state.load.pattern = LoadPattern::Steady;
    state.load.ratePerSecond = 10'000'000;
    state.load.meanCost = std::chrono::microseconds(0);
    state.load.exceptionProbability = 0.10;
    state.load.queueCap = 1'000'000;
    window.applyControlState(state);
    window.resize(1500, 950);
    window.show();
    window.toggleLoad();

    // 1. Event loop latency: every 10 ms, post an event stamped now and measure its delivery.
    std::vector<double> latenciesMs;
    QElapsedTimer clock;
    clock.start();
    QTimer probe;
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 postedAt = clock.nsecsElapsed();
        QMetaObject::invokeMethod(
            &app, [&, postedAt] { latenciesMs.push_back(static_cast<double>(clock.nsecsElapsed() - postedAt) / 1e6); },
            Qt::QueuedConnection);
    });
    probe.start(10);
    const double floodGuiCpuBefore = threadCpuSeconds(); // this thread is the GUI thread
    runEventsFor(seconds * 1000);
    const double floodGuiCpu = (threadCpuSeconds() - floodGuiCpuBefore) / seconds;
    probe.stop();
    session.stopLoad();
    const PoolSnapshot snapshot = session.status().pool;
    std::printf("flood: %d s at 10,000,000 units/s offered, 10 %% throwing: %llu units completed, %llu failed, "
                "%llu reports dropped\n",
                seconds, static_cast<unsigned long long>(snapshot.completed), static_cast<unsigned long long>(snapshot.failed),
                static_cast<unsigned long long>(snapshot.exceptionReportsDropped));
    std::printf("event loop latency (%zu probes): p50 %.2f ms, p99 %.2f ms, max %.2f ms; the GUI thread used %.0f ms "
                "of CPU per second\n",
                latenciesMs.size(), percentile(latenciesMs, 0.5), percentile(latenciesMs, 0.99),
                percentile(latenciesMs, 1.0), 1e3 * floodGuiCpu);

    // 2. Replot of all charts with a full hour of history.
    ChartsPanel &charts = *window.findChild<ChartsPanel *>();
    charts.setWindowSeconds(3600);
    std::vector<Sample> hour(72'000);
    for (std::size_t i = 0; i < hour.size(); ++i) {
        Sample &s = hour[i];
        s.sequence = i + 1;
        s.pool.timestampNs = 1'000'000'000ull + i * 50'000'000ull;
        s.pool.queued = (i * 7919) % 5000;
        s.pool.runningWorkers = static_cast<std::uint32_t>(i % 3);
        s.pool.blockedWorkers = static_cast<std::uint32_t>(i % 2);
        s.pool.idleWorkers = 1;
        s.pool.targetWorkers = 4;
        s.pool.concurrency = 2;
        s.completionsPerSecond = 1e6 + static_cast<double>((i * 31) % 1000) * 100;
        s.failuresPerSecond = 1e5;
        s.postsPerSecond = 1.1e6;
        s.queueWait = {1, 1000 + i % 500, 2000, 50'000, 90'000, 100'000, 1500};
        s.serviceTime = {1, 300 + i % 100, 400, 900, 2000, 3000, 350};
    }
    charts.appendSamples(hour);
    std::vector<double> replotMs;
    for (int i = 0; i < 30; ++i) {
        QElapsedTimer timer;
        timer.start();
        for (QCustomPlot *plot : charts.plots())
            plot->replot(QCustomPlot::rpImmediateRefresh);
        replotMs.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
    }
    std::printf("replot of all 4 charts, 1 h window (%d points per series): median %.2f ms, max %.2f ms (30 frames)\n",
                charts.pointCount(), percentile(replotMs, 0.5), percentile(replotMs, 1.0));

    // 3. Monitoring overhead.
    double guiCpuPerSecond = 0; // of the last run with the window
    const auto completionRate = [&](bool withWindow) {
        SessionSettings settings{.workers = 2, .concurrency = 2};
        settings.load.pattern = LoadPattern::AsFastAsPossible;
        settings.load.meanCost = std::chrono::microseconds(0);
        settings.load.queueCap = 100'000;
        // Without the window nothing samples: the bare pool.
        PoolSession quiet(settings, {.rateHz = 60, .autoStart = withWindow});
        std::unique_ptr<MainWindow> view;
        if (withWindow) {
            // Through the window, as a user would: the window applies its own control state
            // when shown, and a load started behind its back would be stopped by it.
            view = std::make_unique<MainWindow>(quiet);
            ControlState controls;
            controls.workers = static_cast<int>(settings.workers);
            controls.concurrency = static_cast<int>(settings.concurrency);
            controls.load = settings.load;
            view->applyControlState(controls);
            view->resize(1500, 950);
            view->show();
            view->toggleLoad();
        } else {
            quiet.startLoad();
        }
        runEventsFor(500); // warm up
        const std::uint64_t before = quiet.status().pool.completed;
        const double guiCpuBefore = threadCpuSeconds(); // this thread is the GUI thread
        QElapsedTimer timer;
        timer.start();
        runEventsFor(3000);
        const double elapsed = static_cast<double>(timer.nsecsElapsed()) / 1e9;
        const double rate = static_cast<double>(quiet.status().pool.completed - before) / elapsed;
        if (withWindow)
            guiCpuPerSecond = (threadCpuSeconds() - guiCpuBefore) / elapsed;
        quiet.stopLoad();
        return rate;
    };
    std::vector<double> ratios, bare, monitored, guiCpu;
    for (int round = 0; round < 3; ++round) {
        if (round % 2 == 0) {
            bare.push_back(completionRate(false));
            monitored.push_back(completionRate(true));
        } else {
            monitored.push_back(completionRate(true));
            bare.push_back(completionRate(false));
        }
        guiCpu.push_back(guiCpuPerSecond);
        ratios.push_back(monitored.back() / bare.back());
    }
    std::printf("monitoring overhead (as fast as possible, 2 workers): %.2f M/s with the window (60 Hz sampling, 30 Hz "
                "refresh), %.2f M/s without; with/without = %.1f %% (median of 3 pairs, min %.1f %%, max %.1f %%); "
                "the GUI thread used %.0f ms of CPU per second (median)\n",
                percentile(monitored, 0.5) / 1e6, percentile(bare, 0.5) / 1e6, 100 * percentile(ratios, 0.5),
                100 * percentile(ratios, 0.0), 100 * percentile(ratios, 1.0), 1e3 * percentile(guiCpu, 0.5));
    return 0;
}
