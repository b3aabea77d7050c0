#include "exceptionlogmodel.h"

#include <QLocale>

#include <algorithm>

namespace {
QDateTime toDateTime(std::chrono::system_clock::time_point time)
{
    return QDateTime::fromMSecsSinceEpoch(
        std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count());
}

QString workersText(const std::vector<quint32> &workers) // ascending already
{
    QStringList parts;
    for (std::size_t i = 0; i < workers.size() && i < 12; ++i)
        parts << QString::number(workers[i]);
    if (workers.size() > 12)
        parts << QStringLiteral("… (%1)").arg(workers.size());
    return parts.join(QStringLiteral(", "));
}

// Ids zero-padded to one width, so that comparing the texts compares the id lists as numbers.
QString workersSortKey(const std::vector<quint32> &workers)
{
    QStringList parts;
    for (const quint32 worker : workers)
        parts << QStringLiteral("%1").arg(worker, 10, 10, QLatin1Char('0'));
    return parts.join(QLatin1Char(','));
}
} // namespace

ExceptionLogModel::ExceptionLogModel(QObject *parent, std::size_t maxRows)
    : QAbstractTableModel(parent), m_coalescer(maxRows)
{
}

int ExceptionLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

int ExceptionLogModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ExceptionLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Entry &entry = m_entries.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case CountColumn: return QLocale().toString(entry.count);
        case TypeColumn: return entry.typeName;
        case MessageColumn: return entry.message;
        case WorkersColumn: return workersText(entry.workers);
        case FirstSeenColumn: return entry.firstSeen.toString(QStringLiteral("HH:mm:ss.zzz"));
        case LastSeenColumn: return entry.lastSeen.toString(QStringLiteral("HH:mm:ss.zzz"));
        default: return {};
        }
    }
    if (role == Qt::UserRole) { // sort keys
        switch (index.column()) {
        case CountColumn: return entry.count;
        case WorkersColumn: return workersSortKey(entry.workers);
        case FirstSeenColumn: return entry.firstSeen;
        case LastSeenColumn: return entry.lastSeen;
        default: return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() == CountColumn)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole)
        return QStringLiteral("%1: %2").arg(entry.typeName, entry.message);
    return {};
}

QVariant ExceptionLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case CountColumn: return tr("Count");
    case TypeColumn: return tr("Type");
    case MessageColumn: return tr("Message");
    case WorkersColumn: return tr("Workers");
    case FirstSeenColumn: return tr("First");
    case LastSeenColumn: return tr("Last");
    default: return {};
    }
}

void ExceptionLogModel::refreshEntry(std::size_t row)
{
    const poolscope::ExceptionSummary &summary = m_coalescer.rows()[row];
    Entry &entry = m_entries[static_cast<qsizetype>(row)];
    entry.count = summary.count;
    entry.firstSeen = toDateTime(summary.first);
    entry.lastSeen = toDateTime(summary.last);
    entry.workers.assign(summary.workers.begin(), summary.workers.end());
}

void ExceptionLogModel::addReports(const std::vector<poolscope::ExceptionReport> &reports)
{
    if (reports.empty())
        return;
    std::vector<int> changed; // rows that were there before and took reports of this batch
    for (const poolscope::ExceptionReport &report : reports) {
        const std::size_t row = m_coalescer.add(report);
        const int at = static_cast<int>(row);
        if (row == static_cast<std::size_t>(m_entries.size())) { // a new kind (or the "(other)" row)
            beginInsertRows({}, at, at);
            Entry entry;
            entry.typeName = QString::fromStdString(m_coalescer.rows()[row].typeName);
            entry.message = QString::fromStdString(m_coalescer.rows()[row].message);
            m_entries.push_back(std::move(entry));
            refreshEntry(row);
            endInsertRows();
        } else if (changed.empty() || changed.back() != at) {
            changed.push_back(at);
        }
        Entry &entry = m_entries[at];
        entry.lastThreadName = QString::fromStdString(report.threadName);
        entry.lastUnitId = report.unitId;
        entry.lastUnitTag = QString::fromStdString(report.unitTag);
        entry.lastSequence = report.sequence;
    }
    if (!changed.empty()) {
        // Once per changed row and batch, not per report: a flood converts each row once.
        std::ranges::sort(changed);
        changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
        for (const int row : changed)
            refreshEntry(static_cast<std::size_t>(row));
        emit dataChanged(index(changed.front(), 0), index(changed.back(), ColumnCount - 1), {Qt::DisplayRole, Qt::UserRole});
    }
    emit totalCountChanged(m_coalescer.total());
}

void ExceptionLogModel::clear()
{
    beginResetModel();
    m_coalescer.clear();
    m_entries.clear();
    endResetModel();
    emit totalCountChanged(0);
}

QString ExceptionLogModel::toText(const QList<int> &rows) const
{
    QStringList lines;
    QStringList header;
    for (int column = 0; column < ColumnCount; ++column)
        header << headerData(column, Qt::Horizontal).toString();
    lines << header.join(QLatin1Char('\t'));
    for (int row : rows) {
        QStringList cells;
        for (int column = 0; column < ColumnCount; ++column)
            cells << data(index(row, column)).toString();
        lines << cells.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n'));
}

void ExceptionLogModel::setSummaries(const std::vector<poolscope::ExceptionSummary> &summaries)
{
    beginResetModel();
    m_coalescer.clear();
    for (const poolscope::ExceptionSummary &summary : summaries)
        m_coalescer.add(summary);
    m_entries.clear();
    m_entries.resize(static_cast<qsizetype>(m_coalescer.rows().size()));
    for (std::size_t row = 0; row < m_coalescer.rows().size(); ++row) {
        m_entries[static_cast<qsizetype>(row)].typeName = QString::fromStdString(m_coalescer.rows()[row].typeName);
        m_entries[static_cast<qsizetype>(row)].message = QString::fromStdString(m_coalescer.rows()[row].message);
        refreshEntry(row);
    }
    endResetModel();
    emit totalCountChanged(m_coalescer.total());
}
