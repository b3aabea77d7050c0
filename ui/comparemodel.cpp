#include "comparemodel.h"

#include "kneerule.h"
#include "linechart.h"
#include "rundescription.h"

#include <QColor>
#include <QLocale>

#include <algorithm>
#include <functional>

using namespace poolscope;

namespace {

QString text(std::string_view s) { return QString::fromUtf8(s.data(), qsizetype(s.size())); }
QString number(double value, int decimals = 0) { return QLocale().toString(value, 'f', decimals); }
QString count(std::uint64_t value) { return QLocale().toString(qulonglong(value)); }
QString latency(std::uint64_t ns) { return QString::fromStdString(formatNanoseconds(double(ns))); }

struct Field {
    const char *label;
    bool setting;
    std::function<QString(const RunReport &)> value;
};

const std::vector<Field> &fields()
{
    static const std::vector<Field> list = {
        {"Workers", true, [](const RunReport &r) { return QString::number(r.pool.workers); }},
        {"Concurrency limit", true, [](const RunReport &r) { return r.pool.concurrency == 0 ? QStringLiteral("0 (processors)") : QString::number(r.pool.concurrency); }},
        {"Exception policy", true, [](const RunReport &r) { return text(nameOf(r.pool.policy)); }},
        {"Producers", true, [](const RunReport &r) { return QString::number(r.load.producers); }},
        {"Pattern", true, [](const RunReport &r) { return text(nameOf(r.load.pattern)); }},
        {"Rate (units/s)", true, [](const RunReport &r) { return number(r.load.ratePerSecond); }},
        {"Burst size", true, [](const RunReport &r) { return count(r.load.burstSize); }},
        {"Burst interval (ms)", true, [](const RunReport &r) { return count(std::uint64_t(r.load.burstInterval.count())); }},
        {"Ramp/sine period (ms)", true, [](const RunReport &r) { return count(std::uint64_t(r.load.period.count())); }},
        {"Cost distribution", true, [](const RunReport &r) { return text(nameOf(r.load.costDistribution)); }},
        {"Mean cost (µs)", true, [](const RunReport &r) { return count(std::uint64_t(r.load.meanCost.count())); }},
        {"Blocking share", true, [](const RunReport &r) { return number(r.load.blockingShare, 2); }},
        {"Blocking time (µs)", true, [](const RunReport &r) { return count(std::uint64_t(r.load.blockingTime.count())); }},
        {"Exception probability", true, [](const RunReport &r) { return number(r.load.exceptionProbability, 4); }},
        {"Exception type", true, [](const RunReport &r) { return text(nameOf(r.load.exceptionType)); }},
        {"Queue cap", true, [](const RunReport &r) { return count(r.load.queueCap); }},
        {"Sample rate (Hz)", true, [](const RunReport &r) { return number(r.sampleRateHz, 1); }},
        {"Backend, processors", true, [](const RunReport &r) { return QStringLiteral("%1, %2").arg(QString::fromStdString(r.backend)).arg(r.processors); }},
        {"Duration (s)", false, [](const RunReport &r) { return number(r.durationSeconds, 1); }},
        {"Completed", false, [](const RunReport &r) { return count(r.counters.completed); }},
        {"Failed", false, [](const RunReport &r) { return count(r.counters.failed); }},
        {"Cancelled", false, [](const RunReport &r) { return count(r.counters.cancelled); }},
        {"Completions/s (average)", false, [](const RunReport &r) { return QString::fromStdString(formatRate(averageCompletionRate(r))); }},
        {"Queue wait p50", false, [](const RunReport &r) { return latency(r.queueWaitSinceStart.p50); }},
        {"Queue wait p99", false, [](const RunReport &r) { return latency(r.queueWaitSinceStart.p99); }},
        {"Service p50", false, [](const RunReport &r) { return latency(r.serviceTimeSinceStart.p50); }},
        {"Service p99", false, [](const RunReport &r) { return latency(r.serviceTimeSinceStart.p99); }},
        {"Peak queued", false, [](const RunReport &r) { return count(r.counters.peakQueued); }},
        {"Peak running", false, [](const RunReport &r) { return count(r.counters.peakRunning); }},
        {"Exception kinds", false, [](const RunReport &r) { return count(r.exceptions.size()); }},
    };
    return list;
}

} // namespace

double averageCompletionRate(const RunReport &report)
{
    if (report.history.size() < 2)
        return 0;
    const Sample &first = report.history.front(), &last = report.history.back();
    const double seconds = (double(last.pool.timestampNs) - double(first.pool.timestampNs)) / 1e9;
    return seconds > 0 && last.pool.completed >= first.pool.completed ? double(last.pool.completed - first.pool.completed) / seconds : 0;
}

CompareModel::CompareModel(QObject *parent) : QAbstractTableModel(parent) {}

void CompareModel::setRuns(const std::vector<ComparedRun> &runs)
{
    beginResetModel();
    m_labels.clear();
    m_rows.clear();
    for (const ComparedRun &run : runs)
        m_labels.push_back(run.label);
    for (const Field &field : fields()) {
        Row row{tr(field.label), field.setting, {}, false};
        for (const ComparedRun &run : runs)
            row.values.push_back(field.value(run.report));
        row.differs = std::any_of(row.values.begin(), row.values.end(), [&](const QString &v) { return v != row.values.front(); });
        m_rows.push_back(std::move(row));
    }
    endResetModel();
}

int CompareModel::rowOf(const QString &label) const
{
    for (std::size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].label == label)
            return int(i);
    return -1;
}

bool CompareModel::differs(int row) const { return row >= 0 && row < rowCount() && m_rows[std::size_t(row)].differs; }
bool CompareModel::isSetting(int row) const { return row >= 0 && row < rowCount() && m_rows[std::size_t(row)].setting; }

int CompareModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }
int CompareModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_labels.size()); }

QVariant CompareModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= columnCount())
        return {};
    const Row &row = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole: return row.values[std::size_t(index.column())];
    case Qt::BackgroundRole:
        if (!row.differs)
            return {};
        return row.setting ? QColor(0xff, 0xf1, 0xb8) : QColor(0xe3, 0xf0, 0xfb);
    case Qt::ToolTipRole:
        return row.differs ? (row.setting ? tr("This setting differs between the runs") : tr("This result differs between the runs"))
                           : QVariant();
    case Qt::TextAlignmentRole: return int(Qt::AlignRight | Qt::AlignVCenter);
    default: return {};
    }
}

QVariant CompareModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Vertical && section >= 0 && section < rowCount()) {
        const Row &row = m_rows[std::size_t(section)];
        if (role == Qt::DisplayRole)
            return row.label;
        if (role == Qt::ToolTipRole)
            return row.setting ? tr("Setting") : tr("Result");
    }
    if (orientation == Qt::Horizontal && section >= 0 && section < columnCount()) {
        if (role == Qt::DisplayRole || role == Qt::ToolTipRole)
            return m_labels[std::size_t(section)];
        if (role == Qt::DecorationRole)
            return seriesColor(section); // the run's colour in the charts
    }
    return QAbstractTableModel::headerData(section, orientation, role);
}
