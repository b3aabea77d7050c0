#include "headlessrun.h"

#include "commandline.h"
#include "exportpaths.h"
#include "headlessoptions.h"
#include "headlesssweep.h"
#include "stopsignals.h"

#include "metricsexport.h"
#include "metricsserver.h"
#include "poolsession.h"
#include "runreport.h"
#include "sessionwatch.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QTimer>

#include <cmath>
#include <cstdio>
#include <memory>

using namespace poolscope;

int runHeadless(const HeadlessOptions &options)
{
    using Clock = std::chrono::steady_clock;
    testHoldPoint("startup");
    if (options.sweep)
        return runHeadlessSweep(options);
    PoolSession session(options.settings, {.rateHz = options.sampleRateHz, .capacity = 72'000});

    // The auto-sizer and the alert rules, fed with the run's new samples at each progress tick.
    SessionWatch watch(session);
    watch.setAutoSize(options.autoSize); // validated with the options
    watch.setAlertRules(options.alertRules);
    std::vector<Sample> samples;
    std::uint64_t lastSample = 0;
    const auto observe = [&] {
        samples.clear();
        lastSample = session.samplesSince(lastSample, samples);
        SessionWatch::Events events;
        watch.observe(samples, events);
        if (options.quiet)
            return;
        for (const AutoSizeDecision &d : events.decisions)
            std::fprintf(stderr, "\npoolscope: auto-size: %s", d.reason.c_str());
        for (const AlertEvent &e : events.alerts)
            std::fprintf(stderr, "\npoolscope: alert %s %s%s: %s", e.rule.c_str(), std::string(nameOf(e.kind)).c_str(),
                         e.kind == AlertEventKind::Fired && !e.notify ? " (silenced)" : "", e.message.c_str());
        if (!events.empty())
            std::fputc('\n', stderr);
    };

    std::unique_ptr<MetricsServer> server;
    if (options.serveMetrics) {
        server = std::make_unique<MetricsServer>([&session, &watch] {
            MetricsView view = session.metrics();
            view.alerts = watch.alertStates();
            return view;
        });
        QString error;
        if (!server->listen(*options.serveMetrics, error)) {
            std::fprintf(stderr, "poolscope: --serve-metrics: %s\n", qPrintable(error));
            return ExitBadInput; // like any bad value: before any load runs
        }
        std::fprintf(stderr, "poolscope: serving metrics at %s\n", qPrintable(server->metricsUrl()));
    }

    const auto started = Clock::now();
    session.startLoad();
    // A part of the I/O load that cannot run (no io_uring, a scratch file that cannot be made)
    // is a message; the run goes on.
    if (const std::string problem = session.status().io.problem; !problem.empty())
        std::fprintf(stderr, "poolscope: %s\n", problem.c_str());

    // The session coalesces the reports it hands over (the log the GUI shows, and the
    // exports' exceptions); the reports themselves are not needed here.
    std::vector<ExceptionReport> reports;
    const auto takeExceptions = [&] {
        reports.clear();
        session.takeExceptionReports(reports);
    };

    // An event loop rather than a sleep, so that a scrape of /metrics is answered meanwhile:
    // it ends at --duration, or at the first progress tick after the pool stopped or a signal.
    QEventLoop loop;
    QTimer::singleShot(std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::duration<double>(options.durationSeconds)),
                       Qt::PreciseTimer, &loop, &QEventLoop::quit);
    QTimer progress;
    QObject::connect(&progress, &QTimer::timeout, &loop, [&] {
        takeExceptions();
        observe();
        const PoolSnapshot s = session.status().pool;
        if (!options.quiet)
            std::fprintf(stderr, "\r[%6.1f / %.1f s] posted %llu  completed %llu  failed %llu  queued %llu  workers %u/%u   ",
                         std::chrono::duration<double>(Clock::now() - started).count(), options.durationSeconds,
                         static_cast<unsigned long long>(s.posted), static_cast<unsigned long long>(s.completed),
                         static_cast<unsigned long long>(s.failed), static_cast<unsigned long long>(s.queued),
                         s.liveWorkers, s.targetWorkers);
        if (s.state != PoolState::Running || stopRequested() != 0)
            loop.quit();
    });
    progress.start(250);
    if (stopRequested() == 0) // a signal during start-up: no run, but still the exports
        loop.exec();

    if (stopRequested() != 0 && !options.quiet)
        std::fprintf(stderr, "\npoolscope: interrupted: ending the run early and writing the exports (a second signal kills)");
    testHoldPoint("drain");
    // The run ends at --duration: what is still queued is cancelled (and counted), running
    // units finish, so that the exports describe a quiescent pool. The same verbs as the
    // window's; waiting here is fine, there is no window to keep answering.
    const std::exception_ptr failedFast = session.failFastException();
    session.beginShutdown();
    const ShutdownResult result = session.drain(ShutdownMode::Fast, std::chrono::seconds(30));
    takeExceptions();
    session.sampleNow();
    if (!options.quiet)
        std::fprintf(stderr, "\npoolscope: done: %llu queued units cancelled at the end, %llu I/O operations "
                             "cancelled (%llu completed)%s\n",
                     static_cast<unsigned long long>(result.cancelled),
                     static_cast<unsigned long long>(result.io.cancelled),
                     static_cast<unsigned long long>(result.io.completed + result.io.failed),
                     result.deadlineMissed ? " (deadline missed: exports show units still running)" : "");

    ReportContext context;
    context.poolscopeVersion = QCoreApplication::applicationVersion().toStdString();
    if (options.historySeconds > 0) // the samples that cover it, and the one that opens it
        context.historySamples = static_cast<std::size_t>(std::ceil(options.historySeconds * options.sampleRateHz)) + 1;
    MetricsView view;
    RunReport report = captureRunReport(session, std::move(context), &view);
    report.watch = watch.report();
    view.alerts = watch.alertStates();

    bool written = writeExportPath(options.exportJson, [&](std::ostream &out) { writeJson(out, report); });
    testHoldPoint("export");
    written = writeExportPath(options.exportCsv, [&](std::ostream &out) { writeCsv(out, report.history); }) && written;
    written = writeExportPath(options.exportOpenMetrics,
                          [&](std::ostream &out) { writeMetrics(out, view, MetricsFormat::OpenMetrics); }) && written;
    if (!written)
        return ExitExportFailed;
    if (failedFast) {
        std::string type, message;
        try {
            std::rethrow_exception(failedFast);
        } catch (...) {
            describeCurrentException(type, message);
        }
        std::fprintf(stderr, "poolscope: the pool failed fast: a unit threw %s: %s (the exports were written)\n",
                     type.c_str(), qPrintable(elideMessage(QString::fromStdString(message))));
        return ExitFailedFast;
    }
    return 0;
}
