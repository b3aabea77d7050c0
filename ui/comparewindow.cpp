#include "comparewindow.h"

#include "comparemodel.h"
#include "linechart.h"

#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

using namespace poolscope;

CompareWindow::CompareWindow(const std::vector<ComparedRun> &runs, QWidget *parent)
    : QMainWindow(parent, Qt::Window), m_model(new CompareModel(this)), m_table(new QTableView)
{
    setAttribute(Qt::WA_DeleteOnClose);
    setWindowTitle(tr("Compare %1 runs — Poolscope").arg(runs.size()));

    const QString time = tr("time since start");
    m_charts = {new LineChart(tr("Queue depth"), time, tr("units queued")), new LineChart(tr("Running threads"), time, tr("threads")),
                new LineChart(tr("Completions/s"), time, tr("units/s")), new LineChart(tr("Queue wait p99"), time, tr("ms"))};
    const auto value = [](std::size_t chart, const Sample &s) {
        switch (chart) {
        case 0: return double(s.pool.queued);
        case 1: return double(s.pool.runningWorkers);
        case 2: return s.completionsPerSecond;
        default: return double(s.queueWait.p99) / 1e6;
        }
    };
    auto *chartGrid = new QWidget;
    auto *grid = new QGridLayout(chartGrid);
    grid->setContentsMargins(0, 0, 0, 0);
    for (std::size_t c = 0; c < m_charts.size(); ++c) {
        LineChart *chart = m_charts[c];
        chart->setTimeAxis();
        chart->setLegendColumns(1); // run labels are longer than a sweep's "limit 4"
        chart->setLogY(c == 3);
        for (std::size_t r = 0; r < runs.size(); ++r) {
            const std::vector<Sample> &history = runs[r].report.history;
            QVector<double> xs, ys;
            // Each run from its own first sample: the runs line up at their starts.
            const double origin = history.empty() ? 0 : double(history.front().pool.timestampNs);
            for (const Sample &sample : history) {
                xs.append((double(sample.pool.timestampNs) - origin) / 1e9);
                ys.append(value(c, sample));
            }
            chart->addLine(runs[r].label, seriesColor(int(r)), xs, ys);
        }
        chart->refit();
        grid->addWidget(chart, int(c / 2), int(c % 2));
    }

    m_model->setRuns(runs);
    m_table->setModel(m_model);
    // Run labels can be long ("sweep.json: 16 workers, limit 0 (= 2 processors)"): columns of
    // one width, labels elided in the middle, in full in the header's tooltip.
    m_table->horizontalHeader()->setDefaultSectionSize(130);
    m_table->horizontalHeader()->setTextElideMode(Qt::ElideMiddle);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    auto *legend = new QLabel(tr("Highlighted: <span style='background:#fff1b8'>&nbsp;settings that differ&nbsp;</span> "
                                 "<span style='background:#e3f0fb'>&nbsp;results that differ&nbsp;</span>"));
    auto *tablePane = new QWidget;
    auto *tableLayout = new QVBoxLayout(tablePane);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->addWidget(legend);
    tableLayout->addWidget(m_table, 1);

    auto *split = new QSplitter(Qt::Horizontal);
    split->addWidget(chartGrid);
    split->addWidget(tablePane);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setSizes({700, 570});
    split->setChildrenCollapsible(false);
    setCentralWidget(split);
    resize(1400, 860);
}
