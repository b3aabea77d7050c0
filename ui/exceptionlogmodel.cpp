#include "exceptionlogmodel.h"

#include <QLocale>

#include <algorithm>

namespace {
QDateTime toDateTime(std::chrono::system_clock::time_point time)
{
    return QDateTime::fromMSecsSinceEpoch(
        std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count());
}

std::chrono::system_clock::time_point toTimePoint(const QDateTime &time)
{
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(time.toMSecsSinceEpoch()));
}

QString keyOf(const QString &type, const QString &message) { return type + QChar(0x1f) + message; }

QString workersText(const QSet<quint32> &workers)
{
    QList<quint32> sorted(workers.begin(), workers.end());
    std::sort(sorted.begin(), sorted.end());
    QStringList parts;
    for (int i = 0; i < sorted.size() && i < 12; ++i)
        parts << QString::number(sorted[i]);
    if (sorted.size() > 12)
        parts << QStringLiteral("… (%1)").arg(sorted.size());
    return parts.join(QStringLiteral(", "));
}
} // namespace

ExceptionLogModel::ExceptionLogModel(QObject *parent) : QAbstractTableModel(parent) {}

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

void ExceptionLogModel::addReports(const std::vector<poolscope::ExceptionReport> &reports)
{
    if (reports.empty())
        return;
    int firstChanged = INT_MAX, lastChanged = -1;
    for (const poolscope::ExceptionReport &report : reports) {
        QString type = QString::fromStdString(report.typeName);
        QString message = QString::fromStdString(report.message);
        QString key = keyOf(type, message);
        auto found = m_rowOfKey.constFind(key);
        if (found == m_rowOfKey.cend() && m_entries.size() >= MaxRows) {
            type = tr("(other)");
            message = tr("more distinct exceptions than the log keeps rows for");
            key = keyOf(type, message);
            found = m_rowOfKey.constFind(key);
        }
        int row = 0;
        if (found == m_rowOfKey.cend()) {
            row = static_cast<int>(m_entries.size());
            beginInsertRows({}, row, row);
            Entry entry;
            entry.typeName = type;
            entry.message = message;
            entry.firstSeen = toDateTime(report.time);
            m_entries.push_back(entry);
            m_rowOfKey.insert(key, row);
            endInsertRows();
        } else {
            row = found.value();
            firstChanged = std::min(firstChanged, row);
            lastChanged = std::max(lastChanged, row);
        }
        Entry &entry = m_entries[row];
        ++entry.count;
        entry.lastSeen = toDateTime(report.time);
        entry.workers.insert(report.workerIndex);
        entry.lastThreadName = QString::fromStdString(report.threadName);
        entry.lastUnitId = report.unitId;
        entry.lastUnitTag = QString::fromStdString(report.unitTag);
        entry.lastSequence = report.sequence;
    }
    if (lastChanged >= 0)
        emit dataChanged(index(firstChanged, 0), index(lastChanged, ColumnCount - 1), {Qt::DisplayRole, Qt::UserRole});
    m_total += reports.size();
    emit totalCountChanged(m_total);
}

void ExceptionLogModel::clear()
{
    beginResetModel();
    m_entries.clear();
    m_rowOfKey.clear();
    m_total = 0;
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

std::vector<poolscope::ExceptionSummary> ExceptionLogModel::summaries() const
{
    std::vector<poolscope::ExceptionSummary> result;
    result.reserve(static_cast<std::size_t>(m_entries.size()));
    for (const Entry &entry : m_entries) {
        poolscope::ExceptionSummary summary;
        summary.typeName = entry.typeName.toStdString();
        summary.message = entry.message.toStdString();
        summary.count = entry.count;
        summary.first = toTimePoint(entry.firstSeen);
        summary.last = toTimePoint(entry.lastSeen);
        summary.workers.assign(entry.workers.begin(), entry.workers.end());
        std::sort(summary.workers.begin(), summary.workers.end());
        result.push_back(std::move(summary));
    }
    return result;
}

void ExceptionLogModel::setSummaries(const std::vector<poolscope::ExceptionSummary> &summaries)
{
    beginResetModel();
    m_entries.clear();
    m_rowOfKey.clear();
    m_total = 0;
    for (const poolscope::ExceptionSummary &summary : summaries) {
        Entry entry;
        entry.typeName = QString::fromStdString(summary.typeName);
        entry.message = QString::fromStdString(summary.message);
        entry.count = summary.count;
        entry.firstSeen = toDateTime(summary.first);
        entry.lastSeen = toDateTime(summary.last);
        for (std::uint32_t worker : summary.workers)
            entry.workers.insert(worker);
        m_rowOfKey.insert(keyOf(entry.typeName, entry.message), static_cast<int>(m_entries.size()));
        m_entries.push_back(entry);
        m_total += summary.count;
    }
    endResetModel();
    emit totalCountChanged(m_total);
}
