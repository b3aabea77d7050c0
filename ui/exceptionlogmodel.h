#pragma once

#include "exceptioncoalescer.h"
#include "exceptionreport.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QVector>

#include <cstddef>
#include <vector>

// The exception log: one row per distinct (type, message), with how often it happened,
// when first and last, and on which workers. A flood of identical exceptions stays one row.
// What counts as "the same exception", and the cap with its "(other)" row, are
// poolscope::ExceptionCoalescer's, the same as the headless run and the exports use; this
// model only presents its rows. GUI thread only, like every model.
class ExceptionLogModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { CountColumn, TypeColumn, MessageColumn, WorkersColumn, FirstSeenColumn, LastSeenColumn, ColumnCount };
    // Distinct kinds kept as rows; past it, new kinds are counted in one last "(other)" row.
    static constexpr int MaxRows = static_cast<int>(poolscope::ExceptionCoalescer::DefaultMaxKinds);

    // A coalesced row as the view shows it, with the last report's details.
    struct Entry {
        QString typeName;
        QString message;
        quint64 count = 0;
        QDateTime firstSeen;
        QDateTime lastSeen;
        std::vector<quint32> workers; // ascending, each once
        QString lastThreadName;
        quint64 lastUnitId = 0;
        QString lastUnitTag;
        quint64 lastSequence = 0;
    };

    explicit ExceptionLogModel(QObject *parent = nullptr, std::size_t maxRows = MaxRows);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    // Qt::UserRole is the sort key: numbers for Count, times for First/Last, and for Workers
    // the ids zero-padded, so that "2" sorts before "10".
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Merges a batch: new kinds become rows, known ones update in place (one dataChanged for
    // the batch, not one per report).
    void addReports(const std::vector<poolscope::ExceptionReport> &reports);
    void clear();

    // Replaces the rows by a saved run's (File -> Open).
    void setSummaries(const std::vector<poolscope::ExceptionSummary> &summaries);

    const Entry &entry(int row) const { return m_entries.at(row); }
    quint64 totalCount() const noexcept { return m_coalescer.total(); }
    // A plain-text rendering of the rows, tab-separated with a header (for the clipboard).
    QString toText(const QList<int> &rows) const;

signals:
    void totalCountChanged(quint64 total);

private:
    void refreshEntry(std::size_t row); // counts, times and workers from the coalescer's row

    poolscope::ExceptionCoalescer m_coalescer;
    QVector<Entry> m_entries; // m_coalescer.rows(), converted for display once per change
};
