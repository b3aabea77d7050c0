#pragma once

#include "sampler.h"

#include <QWidget>

#include <map>

class QLabel;
class QGridLayout;

// Every snapshot value with its peak where one is kept, the rates and latency of the last
// sample, the backend, the pool's state and policy. GUI thread only.
class CountersPanel : public QWidget {
    Q_OBJECT

public:
    explicit CountersPanel(QWidget *parent = nullptr);

    void showSample(const poolscope::Sample &sample);
    QString valueText(const QString &key) const; // for tests: the text shown for a counter

signals:
    void resetPeaksRequested();

private:
    QLabel *addRow(QGridLayout *grid, int &row, const QString &key, const QString &label, const QString &tip);

    std::map<QString, QLabel *> m_values;
};
