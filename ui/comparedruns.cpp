#include "comparedruns.h"

#include "boundedfile.h"
#include "snapshotreader.h"
#include "sweepexport.h"
#include "sweepgrid.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>


using namespace poolscope;

QString sizeLabel(unsigned workers, unsigned concurrency)
{
    const QString limit = concurrency == 0 ? QStringLiteral("= CPUs") : QString::number(concurrency);
    return workers == 1 ? QStringLiteral("1 worker, limit %1").arg(limit) : QStringLiteral("%1 workers, limit %2").arg(workers).arg(limit);
}

bool readRunsForComparison(const QString &path, std::vector<ComparedRun> &runs, QString &error)
{
    const QString name = QFileInfo(path).fileName();
    QByteArray contents;
    if (!readBoundedFile(path, SnapshotLimits::MaxFileBytes, contents, error))
        return false;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(contents, &parseError);
    const QJsonObject top = document.object();
    if (parseError.error != QJsonParseError::NoError ||
        top.value(QStringLiteral("kind")).toString() != QLatin1String(SweepKind.data(), qsizetype(SweepKind.size()))) {
        RunReport report; // not a sweep: a run snapshot, or the snapshot reader says why not
        if (!readSnapshot(contents, report, error)) {
            error = QStringLiteral("%1: %2").arg(name, error);
            return false;
        }
        runs.push_back({name, std::move(report)});
        return true;
    }
    if (top.value(QStringLiteral("format")).toInt() != SweepFormat) {
        error = QStringLiteral("%1: a sweep of format %2, which this Poolscope does not know (it reads %3)")
                    .arg(name, top.value(QStringLiteral("format")).toVariant().toString())
                    .arg(SweepFormat);
        return false;
    }
    const QJsonArray points = top.value(QStringLiteral("points")).toArray();
    if (points.size() > qsizetype(SweepGrid::MaxPoints)) {
        error = QStringLiteral("%1: %2 points, more than a sweep has (%3)").arg(name).arg(points.size()).arg(SweepGrid::MaxPoints);
        return false;
    }
    std::vector<ComparedRun> read;
    for (qsizetype i = 0; i < points.size(); ++i) {
        const QJsonObject point = points.at(i).toObject();
        RunReport report;
        if (!readSnapshot(QJsonDocument(point.value(QStringLiteral("run")).toObject()).toJson(QJsonDocument::Compact), report, error)) {
            error = QStringLiteral("%1: point %2: %3").arg(name).arg(i + 1).arg(error);
            return false;
        }
        read.push_back({QStringLiteral("%1: %2").arg(name, sizeLabel(report.pool.workers, report.pool.concurrency)), std::move(report)});
    }
    if (read.empty()) {
        error = QStringLiteral("%1: the sweep has no measured points").arg(name);
        return false;
    }
    for (ComparedRun &run : read)
        runs.push_back(std::move(run));
    return true;
}
