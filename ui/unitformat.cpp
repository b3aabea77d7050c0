#include "unitformat.h"

#include <QDateTime>
#include <QLocale>

#include <algorithm>
#include <cmath>

namespace unitformat {

namespace {

// `value` (>= 1, < 1000) with three significant digits: 1.23, 12.3, 123.
QString threeDigits(double value)
{
    const int decimals = value < 9.995 ? 2 : value < 99.95 ? 1 : 0;
    return QString::number(value, 'f', decimals);
}

QString scaled(double value, const char *const *units, int unitCount, double step)
{
    int unit = 0;
    double magnitude = std::abs(value);
    while (unit + 1 < unitCount && magnitude >= step - 0.5 * step / 1000) { // 999.6 k reads 1.00 M
        magnitude /= step;
        ++unit;
    }
    return (value < 0 ? QStringLiteral("-") : QString()) + threeDigits(magnitude) + QString::fromUtf8(units[unit]);
}

} // namespace

QString count(double value)
{
    if (!std::isfinite(value))
        return QStringLiteral("–");
    const double magnitude = std::abs(value);
    if (magnitude < 999.5) {
        // Whole numbers stay whole; a fraction below 10 keeps one decimal (2.4 threads, 0.5/s).
        if (std::abs(value - std::round(value)) < 0.05 || magnitude >= 10)
            return QString::number(std::round(value), 'f', 0);
        return QString::number(value, 'f', 1);
    }
    static const char *const units[] = {"", " k", " M", " G", " T"};
    return scaled(value, units, 5, 1000);
}

QString exactCount(std::uint64_t value) { return QLocale().toString(static_cast<qulonglong>(value)); }

QString rate(double perSecond) { return count(perSecond) + QStringLiteral("/s"); }

QString durationNs(double nanoseconds)
{
    if (!std::isfinite(nanoseconds))
        return QStringLiteral("–");
    if (nanoseconds < 999.5)
        return QString::number(std::max(0.0, std::round(nanoseconds)), 'f', 0) + QStringLiteral(" ns");
    if (nanoseconds < 59.95e9) {
        static const char *const units[] = {" ns", " µs", " ms", " s"};
        return scaled(nanoseconds, units, 4, 1000);
    }
    return durationSeconds(nanoseconds / 1e9);
}

QString durationSeconds(double seconds)
{
    if (seconds < 59.95)
        return durationNs(seconds * 1e9);
    const auto whole = static_cast<qint64>(std::llround(seconds));
    if (whole < 3600)
        return QStringLiteral("%1 min %2 s").arg(whole / 60).arg(whole % 60);
    return QStringLiteral("%1 h %2 min").arg(whole / 3600).arg((whole % 3600) / 60);
}

QString threads(double average)
{
    if (std::abs(average - std::round(average)) < 0.05)
        return QString::number(std::round(average), 'f', 0);
    return QString::number(average, 'f', 1);
}

QString percent(double value) { return QString::number(std::round(value), 'f', 0) + QStringLiteral(" %"); }

QString runTime(double seconds)
{
    const bool negative = seconds < 0;
    const auto whole = static_cast<qint64>(std::llround(std::abs(seconds)));
    const qint64 h = whole / 3600, m = (whole % 3600) / 60, s = whole % 60;
    QString text;
    if (h > 0)
        text = QStringLiteral("%1h%2m%3s").arg(h).arg(m, 2, 10, QLatin1Char('0')).arg(s, 2, 10, QLatin1Char('0'));
    else if (m > 0)
        text = QStringLiteral("%1m%2s").arg(m).arg(s, 2, 10, QLatin1Char('0'));
    else
        text = QStringLiteral("%1s").arg(s);
    return negative && whole != 0 ? QStringLiteral("-") + text : text;
}

QString wallClock(std::int64_t unixMs)
{
    return QDateTime::fromMSecsSinceEpoch(unixMs).toString(QStringLiteral("HH:mm:ss.zzz"));
}

} // namespace unitformat
