#include "rundescription.h"

#include <QCoreApplication>
#include <QLocale>

using namespace poolscope;

namespace {
QString name(std::string_view text) { return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size())); }

QString tr(const char *text) { return QCoreApplication::translate("RunDescription", text); }
} // namespace

QString describePool(unsigned workers, unsigned concurrency)
{
    return tr("%1 workers, concurrency %2")
        .arg(workers)
        .arg(concurrency == 0 ? tr("= processors") : QString::number(concurrency));
}

QString describeLoad(const LoadSettings &load)
{
    QString pattern = name(nameOf(load.pattern));
    if (load.pattern == LoadPattern::Bursts)
        pattern += tr(" of %1 every %2 ms").arg(load.burstSize).arg(load.burstInterval.count());
    else if (load.pattern != LoadPattern::AsFastAsPossible)
        pattern += tr(" at %1/s").arg(QLocale().toString(load.ratePerSecond, 'g', 7));
    return tr("%1; %2 producer(s); %3 µs %4 cost; %5% blocking; %6% throwing %7")
        .arg(pattern)
        .arg(load.producers)
        .arg(load.meanCost.count())
        .arg(name(nameOf(load.costDistribution)))
        .arg(load.blockingShare * 100, 0, 'g', 3)
        .arg(load.exceptionProbability * 100, 0, 'g', 3)
        .arg(name(nameOf(load.exceptionType)));
}
