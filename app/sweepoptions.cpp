#include "sweepoptions.h"

#include "headlessoptions.h"

#include <QCommandLineParser>

QList<QCommandLineOption> sweepOptions()
{
    return {
        {QStringLiteral("sweep"),
         QStringLiteral("Instead of one run, run the load as configured at each size of <grid>, e.g. "
                        "workers=1..32,concurrency=0,2,4 (A..B doubles from A up to B; A..B:S steps by S; an axis left "
                        "out keeps --workers or --concurrency), and write the sweep: --export-json (every point's run "
                        "in full) and --export-csv (one row per point). The knee is the smallest size within 5 % of "
                        "the best completions/s whose queue wait p99 meets --wait-target."),
         QStringLiteral("grid")},
    };
}

bool readSweep(const QCommandLineParser &parser, HeadlessOptions &options, QString &error)
{
    if (!parser.isSet(QStringLiteral("sweep"))) {
        for (const char *name : {"sweep-warmup", "sweep-period", "wait-target"})
            if (parser.isSet(QLatin1String(name))) {
                error = QStringLiteral("--%1 needs --sweep").arg(QLatin1String(name));
                return false;
            }
        options.sweep.reset();
        return true;
    }
    for (const char *name : {"duration", "history", "export-openmetrics", "serve-metrics"})
        if (parser.isSet(QLatin1String(name))) {
            error = QStringLiteral("--sweep and --%1 exclude each other (a sweep runs every size for --sweep-warmup and "
                                   "--sweep-period, and exports JSON and CSV)")
                        .arg(QLatin1String(name));
            return false;
        }
    poolscope::SweepGrid grid;
    std::string message;
    if (!poolscope::parseSweepGrid(parser.value(QStringLiteral("sweep")).toStdString(), options.settings.workers,
                                   options.settings.concurrency, grid, message)) {
        constexpr std::string_view prefix = "sweep grid: ";
        if (message.starts_with(prefix))
            message.erase(0, prefix.size());
        error = QStringLiteral("--sweep: %1").arg(QString::fromStdString(message));
        return false;
    }
    options.sweep = std::move(grid);
    return true;
}
