#pragma once

#include "sampler.h"

#include <QWidget>

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
    void addLatencyTable(QGridLayout *grid);
    void showLatency(const char *scope, const poolscope::LatencySummary &summary);
    QLabel *addRow(QGridLayout *grid, int &row, const QString &key, const QString &label, const QString &tip);

    std::map<QString, QLabel *> m_values;
    QPushButton *m_resetPeaks = nullptr;
};
