#include "sweepmodel.h"

#include <QColor>
#include <QFont>
#include <QLocale>

using namespace poolscope;

SweepModel::SweepModel(QObject *parent) : QAbstractTableModel(parent) {}

void SweepModel::setPoints(const std::vector<SweepFigures> &points, std::optional<std::size_t> knee)
{
    beginResetModel();
    m_points = points;
    m_knee = knee && *knee < m_points.size() ? knee : std::nullopt;
    endResetModel();
}

void SweepModel::appendPoint(const SweepFigures &point)
{
    const int row = int(m_points.size());
    beginInsertRows({}, row, row);
    m_points.push_back(point);
    endInsertRows();
}

void SweepModel::setKnee(std::optional<std::size_t> knee)
{
    if (knee && *knee >= m_points.size())
        knee.reset();
    if (knee == m_knee)
        return;
    const std::optional<std::size_t> old = std::exchange(m_knee, knee);
    for (const std::optional<std::size_t> &row : {old, knee})
        if (row)
            emit dataChanged(index(int(*row), 0), index(int(*row), ColumnCount - 1));
}

int SweepModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_points.size()); }

int SweepModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant SweepModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const SweepFigures &p = m_points[std::size_t(index.row())];
    const bool isKnee = m_knee == std::size_t(index.row());
    const double values[ColumnCount] = {double(p.workers),     double(p.concurrency),        p.completionsPerSecond, p.utilisationPercent,
                                        double(p.queueWait.p50), double(p.queueWait.p99),     double(p.serviceTime.p99),
                                        p.measuredSeconds,     double(p.failed)};
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Limit: return p.concurrency == 0 ? tr("0 = CPUs") : QString::number(p.concurrency);
        case CompletionsPerSecond: return QString::fromStdString(formatRate(p.completionsPerSecond));
        case WaitP50:
        case WaitP99:
        case ServiceP99: return QString::fromStdString(formatNanoseconds(values[index.column()]));
        case Measured: return QLocale().toString(p.measuredSeconds, 'f', 2);
        case Utilisation: return QStringLiteral("%1 %").arg(QLocale().toString(p.utilisationPercent, 'f', 0));
        default: return QLocale().toString(values[index.column()], 'f', 0);
        }
    case Qt::UserRole: return values[index.column()];
    case Qt::TextAlignmentRole: return int(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::FontRole:
        if (isKnee) {
            QFont bold;
            bold.setBold(true);
            return bold;
        }
        return {};
    case Qt::BackgroundRole: return isKnee ? QVariant(QColor(0xff, 0xf1, 0xb8)) : QVariant();
    case Qt::ToolTipRole: return isKnee ? tr("The knee: the size this sweep recommends") : QVariant();
    default: return {};
    }
}

QVariant SweepModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && (section == WaitP50 || section == WaitP99))
        return tr("Queue wait (post to start) over the measured period");
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && section == Utilisation)
        return tr("Average running threads over the measured period, as a share of those that may run (min of limit and live)");
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && section == Limit)
        return tr("Concurrency limit; 0 = the number of processors");
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Workers: return tr("Workers");
    case Limit: return tr("Limit");
    case CompletionsPerSecond: return tr("Completions/s");
    case Utilisation: return tr("Utilisation");
    case WaitP50: return tr("Wait p50");
    case WaitP99: return tr("Wait p99");
    case ServiceP99: return tr("Service p99");
    case Measured: return tr("Measured s");
    case Failed: return tr("Failed");
    default: return {};
    }
}
