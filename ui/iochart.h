#pragma once

#include "runtimebase.h"
#include "sampler.h"

#include <QWidget>

#include <deque>
#include <vector>

class QCustomPlot;
class QCPGraph;
namespace charts {
class ChartHover;
}

// The I/O side of a run, in the look of the other charts (built from charthelpers: legend
// row, unit ticks, hover readout): outstanding operations (and their peak); completions per
// second by kind, with failures; bytes per second read and written; I/O latency p50 and p99
// (start to completion, over each sample's interval). Two rows of two, so that it reads at
// 1024 x 700 as the pool's charts do. It follows the present over the same window as the
// pool's charts (setWindowSeconds). Fed by SessionController::samplesArrived; replots at most
// once per batch. GUI thread only.
class IoChart : public QWidget {
    Q_OBJECT

public:
    enum ChartIndex { OutstandingChart, CompletionsChart, BytesChart, LatencyChart, ChartCount };

    explicit IoChart(QWidget *parent = nullptr);
    ~IoChart() override;

    static constexpr double KeptSeconds = 3600; // as the pool's charts

    void appendSamples(const std::vector<poolscope::Sample> &samples);
    void startNewRun(); // empty, the time axis at the new run's first sample
    void setWindowSeconds(double seconds);

    // For tests.
    int pointCount() const; // points in the outstanding chart
    QCustomPlot *plot(ChartIndex chart) const;
    QString hoverTextAt(ChartIndex chart, double runSeconds) const;

private:
    struct Chart;
    bool eventFilter(QObject *watched, QEvent *event) override;
    void replot();

    std::vector<Chart *> m_charts;
    std::deque<std::pair<double, std::int64_t>> m_wallTimes; // run seconds -> Unix ms, for the readout
    double m_window = 30;
    RunTimeBase m_time; // the charts' "seconds since the run started"
    double m_latestKey = 0;
};
