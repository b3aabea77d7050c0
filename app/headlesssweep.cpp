#include "headlesssweep.h"

#include "exportpaths.h"
#include "headlessoptions.h"
#include "headlessrun.h"
#include "stopsignals.h"

#include "completionport.h"
#include "sweepexport.h"
#include "sweeprunner.h"

#include <QCoreApplication>

#include <cmath>
#include <cstdio>

using namespace poolscope;

namespace {

SweepOptions sweepOptionsOf(const HeadlessOptions &options)
{
    using namespace std::chrono;
    SweepOptions sweep;
    sweep.grid = *options.sweep;
    sweep.settings = options.settings;
    sweep.warmUp = milliseconds(std::llround(options.sweepWarmUpSeconds * 1000));
    sweep.period = milliseconds(std::llround(options.sweepPeriodSeconds * 1000));
    sweep.waitTarget = nanoseconds(std::llround(options.waitTargetMs * 1e6));
    sweep.sampleRateHz = options.sampleRateHz;
    sweep.poolscopeVersion = QCoreApplication::applicationVersion().toStdString();
    return sweep;
}

} // namespace

int runHeadlessSweep(const HeadlessOptions &options)
{
    const SweepOptions sweep = sweepOptionsOf(options);
    if (const std::string error = sweep.validate(); !error.empty()) {
        std::fprintf(stderr, "poolscope: --sweep: %s\n", error.c_str());
        return ExitBadInput;
    }
    SweepRunner runner(sweep);
    SweepResult result;
    const auto seconds = [](std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); };
    try {
        result = runner.run(
            [&](const SweepProgress &p) {
                if (stopRequested() != 0)
                    runner.cancel();
                if (!options.quiet)
                    std::fprintf(stderr, "\r[point %zu/%zu: %u workers, limit %u, %s] %.1f s, about %.0f s left      ",
                                 p.pointIndex + 1, p.pointCount, p.workers, p.concurrency, nameOf(p.phase).data(),
                                 seconds(p.elapsed), seconds(p.estimatedRemaining));
            },
            [&](const SweepPoint &point, std::size_t) {
                if (options.quiet)
                    return;
                const SweepFigures &f = point.figures;
                std::fprintf(stderr, "\r%-78s\r%s: %s, utilisation %.0f %%, queue wait p50 %s p99 %s, service p99 %s\n", "",
                             describeSize(f.workers, f.concurrency, CompletionPort::processorCount()).c_str(),
                             formatRate(f.completionsPerSecond).c_str(), f.utilisationPercent, formatNanoseconds(double(f.queueWait.p50)).c_str(),
                             formatNanoseconds(double(f.queueWait.p99)).c_str(),
                             formatNanoseconds(double(f.serviceTime.p99)).c_str());
            });
    } catch (const std::exception &failure) {
        std::fprintf(stderr, "\npoolscope: the sweep could not run: %s\n", failure.what());
        return ExitExportFailed;
    }
    if (!options.quiet) {
        if (result.cancelled)
            std::fprintf(stderr, "\npoolscope: interrupted: %zu of %zu points measured; writing them (a second signal kills)",
                         result.points.size(), sweep.grid.pointCount());
        std::fprintf(stderr, "\n%s\n", result.knee().explanation.c_str());
    }
    bool written = writeExportPath(options.exportJson, [&](std::ostream &out) { writeSweepJson(out, result); });
    written = writeExportPath(options.exportCsv, [&](std::ostream &out) { writeSweepCsv(out, result); }) && written;
    return written ? 0 : ExitExportFailed;
}
