#pragma once

#include "sampler.h"

#include <QWidget>

#include <array>
#include <cstddef>
#include <map>

class QLabel;
class QGridLayout;
class QPushButton;

// Every snapshot value with its peak where one is kept, the rates of the last sample, its
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
    QString valueText(const QString &key) const; // for tests: the text shown for a counter

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
    QLabel *addRow(QGridLayout *grid, int &row, const QString &key, const QString &label, const QString &tip);

    std::map<QString, QLabel *> m_values;
    QPushButton *m_resetPeaks = nullptr;
    std::array<std::array<QLabel *, PercentileCount>, LatencyColumnCount> m_latencyCells{};
};
