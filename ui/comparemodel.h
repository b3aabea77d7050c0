#pragma once

#include "comparedruns.h"

#include <QAbstractTableModel>

#include <vector>

// Runs side by side: one column per run, one row per setting (pool size, limit, policy, every
// load setting, sample rate, host) and per result (duration, counts, completions/s, latency
// since the start, peaks, exceptions). A row whose values are not all equal is highlighted:
// settings in yellow (what was changed), results in blue (what came of it). GUI thread only.
class CompareModel : public QAbstractTableModel {
    Q_OBJECT

public:
    explicit CompareModel(QObject *parent = nullptr);

    void setRuns(const std::vector<ComparedRun> &runs);

    // The row of a field by its label ("Workers"); -1 when there is none.
    int rowOf(const QString &label) const;
    bool differs(int row) const;
    bool isSetting(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        QString label;
        bool setting = false;
        std::vector<QString> values; // one per run
        bool differs = false;
    };
    std::vector<QString> m_labels; // the runs'
    std::vector<Row> m_rows;
};

// Completions per second over a whole run: completed units over the time its history covers
// (0 without two samples). Pure function.
double averageCompletionRate(const poolscope::RunReport &report);
