#pragma once

#include "exceptionreport.h"
#include "runreport.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QSet>
#include <QVector>

#include <vector>

// The exception log: one row per distinct (type, message), with how often it happened,
// when first and last, and on which workers. A flood of identical exceptions stays one row.
// GUI thread only, like every model.
class ExceptionLogModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { CountColumn, TypeColumn, MessageColumn, WorkersColumn, FirstSeenColumn, LastSeenColumn, ColumnCount };
    static constexpr int MaxRows = 10'000; // past it, new kinds are counted in a last "other" row

    struct Entry {
        QString typeName;
        QString message;
        quint64 count = 0;
        QDateTime firstSeen;
        QDateTime lastSeen;
        QSet<quint32> workers;
        QString lastThreadName;
        quint64 lastUnitId = 0;
        QString lastUnitTag;
        quint64 lastSequence = 0;
    };

    explicit ExceptionLogModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Merges a batch: new kinds become rows, known ones update in place (one dataChanged for
    // the batch, not one per report).
    void addReports(const std::vector<poolscope::ExceptionReport> &reports);
    void clear();

    // The rows as a report carries them (for the snapshot export).
    std::vector<poolscope::ExceptionSummary> summaries() const;
    // Replaces the rows by a saved run's (File -> Open).
    void setSummaries(const std::vector<poolscope::ExceptionSummary> &summaries);

    const Entry &entry(int row) const { return m_entries.at(row); }
    quint64 totalCount() const noexcept { return m_total; }
    // A plain-text rendering of the rows, tab-separated with a header (for the clipboard).
    QString toText(const QList<int> &rows) const;

signals:
    void totalCountChanged(quint64 total);

private:
    QVector<Entry> m_entries;
    QHash<QString, int> m_rowOfKey;
    quint64 m_total = 0;
};
