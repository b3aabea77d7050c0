#include "watchoptions.h"

#include "headlessoptions.h"

#include <QCommandLineParser>

#include <cmath>

using namespace poolscope;

QList<QCommandLineOption> watchOptions()
{
    return {
        {QStringLiteral("auto-size"),
         QStringLiteral("Let the auto-sizer set the worker count while the run goes (hill climbing on completions/s), "
                        "keeping queue wait p99 under <ms>, 1..60000. Its decisions are in the JSON export."),
         QStringLiteral("ms")},
        {QStringLiteral("auto-size-range"), QStringLiteral("The worker counts the auto-sizer may set, MIN..MAX within 1..1024 (default 1..256)."),
         QStringLiteral("range")},
        {QStringLiteral("alerts"),
         QStringLiteral("Alert rules, separated by ';' or new lines, e.g. \"deep-queue: queued > 10000 for 5s; slow: wait.p99 > "
                        "50ms\". Fires go to standard error and the JSON export; with --serve-metrics each rule is a gauge."),
         QStringLiteral("rules")},
    };
}

bool readWatchOptions(const QCommandLineParser &parser, HeadlessOptions &options, QString &error)
{
    const bool sweep = parser.isSet(QStringLiteral("sweep"));
    for (const char *name : {"auto-size", "alerts"})
        if (sweep && parser.isSet(QLatin1String(name))) {
            error = QStringLiteral("--sweep and --%1 exclude each other (a sweep sets each size itself)").arg(QLatin1String(name));
            return false;
        }
    options.autoSize.reset();
    if (parser.isSet(QStringLiteral("auto-size"))) {
        AutoSizerOptions sizer;
        bool ok = false;
        const double ms = parser.value(QStringLiteral("auto-size")).toDouble(&ok);
        if (!ok || !std::isfinite(ms) || ms < 1 || ms > 60'000 || ms != std::floor(ms)) {
            error = QStringLiteral("--auto-size must be a whole number of milliseconds 1..60000 (got '%1')")
                        .arg(parser.value(QStringLiteral("auto-size")));
            return false;
        }
        sizer.waitTarget = std::chrono::milliseconds(static_cast<long long>(ms));
        if (parser.isSet(QStringLiteral("auto-size-range"))) {
            const QString text = parser.value(QStringLiteral("auto-size-range"));
            const QStringList bounds = text.split(QStringLiteral(".."));
            bool lowOk = false, highOk = false;
            const uint low = bounds.size() == 2 ? bounds[0].trimmed().toUInt(&lowOk) : 0;
            const uint high = bounds.size() == 2 ? bounds[1].trimmed().toUInt(&highOk) : 0;
            if (!lowOk || !highOk || low < 1 || high < low || high > 1024) {
                error = QStringLiteral("--auto-size-range must be MIN..MAX with 1 <= MIN <= MAX <= 1024 (got '%1')").arg(text);
                return false;
            }
            sizer.floor = low;
            sizer.ceiling = high;
        }
        options.autoSize = sizer;
    } else if (parser.isSet(QStringLiteral("auto-size-range"))) {
        error = QStringLiteral("--auto-size-range needs --auto-size");
        return false;
    }
    options.alertRules.clear();
    if (parser.isSet(QStringLiteral("alerts"))) {
        std::string message;
        if (!parseAlertRules(parser.value(QStringLiteral("alerts")).toStdString(), options.alertRules, message)) {
            error = QStringLiteral("--alerts: %1").arg(QString::fromStdString(message));
            return false;
        }
    }
    return true;
}
