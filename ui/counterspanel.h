#pragma once

#include "sampler.h"
#include "snapshotfields.h"

#include <QWidget>

#include <array>
#include <cstddef>
#include <map>
#include <vector>

class QLabel;
class QGridLayout;
class QPushButton;

// Every field of the snapshot (snapshotfields.h: a row each, or two in one row as "a / b"), the rates of the last sample, its
// latency percentiles beside those since the start, the backend, the pool's state and policy. GUI thread only.
class CountersPanel : public QWidget {
    Q_OBJECT

public:
    explicit CountersPanel(QWidget *parent = nullptr);

    void showSample(const poolscope::Sample &sample);
    // p50 ... max since the pool started, beside the last interval's.
    void showLatencySinceStart(const poolscope::LatencySummary &queueWait, const poolscope::LatencySummary &serviceTime);
    // A saved run's values: no reset button; the backend the run used.
    void setReadOnly(const QString &backend);
    QString valueText(const QString &key) const; // for tests: the text shown for a field (its snapshot name)

signals:
    void resetPeaksRequested();

private:
    // The latency table: a column per scope, a row per percentile.
    enum LatencyColumn : std::size_t { WaitLastInterval, ServiceLastInterval, WaitSinceStart, ServiceSinceStart };
    static constexpr std::size_t LatencyColumnCount = 4, PercentileCount = 5;
    static constexpr const char *LatencyColumns[LatencyColumnCount] = {"queueWait", "service", "queueWaitTotal",
                                                                       "serviceTotal"}; // object names, for tests
    static constexpr const char *Percentiles[PercentileCount] = {"p50", "p90", "p99", "p99.9", "max"};

    void addLatencyTable(QGridLayout *grid);
    void showLatency(LatencyColumn column, const poolscope::LatencySummary &summary);
    struct RowLabels {
        QLabel *name;
        QLabel *value;
    };
    RowLabels addRow(QGridLayout *grid, int &row, const QString &key, const QString &label, const QString &tip);
    void addField(QGridLayout *grid, int &row, const poolscope::SnapshotField &field);

    // A row of the snapshot's fields: one, or more shown as "a / b".
    struct FieldRow {
        QLabel *name;
        QLabel *value;
        std::vector<const poolscope::SnapshotField *> fields;
    };
    std::vector<FieldRow> m_fieldRows;

    std::map<QString, QLabel *> m_values;
    QPushButton *m_resetPeaks = nullptr;
    std::array<std::array<QLabel *, PercentileCount>, LatencyColumnCount> m_latencyCells{};
};
