#pragma once

#include "comparedruns.h"

#include <QMainWindow>

#include <vector>

class CompareModel;
class LineChart;
class QTableView;

// Two or more saved runs (or sweep points) side by side: queue depth, running threads,
// completions/s and queue wait p99 overlaid on one "time since start" axis, one colour per
// run, and a table of their settings and results with the differences highlighted.
// Read-only. GUI thread only.
class CompareWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit CompareWindow(const std::vector<ComparedRun> &runs, QWidget *parent = nullptr);

    CompareModel *model() const { return m_model; }
    std::vector<LineChart *> charts() const { return m_charts; }

private:
    CompareModel *m_model;
    QTableView *m_table;
    std::vector<LineChart *> m_charts;
};
