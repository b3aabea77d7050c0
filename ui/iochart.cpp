#include "iochart.h"

#include "charthelpers.h"

#include <qcustomplot.h>

#include <QEvent>
#include <QGridLayout>

#include <algorithm>
#include <array>
#include <cmath>

using poolscope::IoKind;

namespace {

// The pool charts' palette where a meaning is shared (green completions, red failures).
const QColor Outstanding(0x54, 0x27, 0x88);
const QColor Recv(0x2b, 0x83, 0xba);
const QColor Send(0x1a, 0x96, 0x41);
const QColor Read(0xfd, 0xae, 0x61);
const QColor Write(0x8c, 0x51, 0x0a);
const QColor Accept(0x88, 0x88, 0x88);
const QColor Failures(0xd7, 0x19, 0x1c);

QPen pen(const QColor &color, Qt::PenStyle style = Qt::SolidLine)
{
    QPen p(color, 1); // 1 px: wider antialiased pens cost ~15 ms a replot in the software renderer
    p.setStyle(style);
    return p;
}

} // namespace

struct IoChart::Chart {
    QCustomPlot *plot = nullptr;
    std::vector<QCPGraph *> graphs; // in the order appendSamples fills them
    charts::ValueKind kind = charts::ValueKind::Count;
    charts::ChartHover *hover = nullptr;
};

IoChart::IoChart(QWidget *parent) : QWidget(parent)
{
    const auto wallClockAt = [this](double key) -> std::int64_t {
        if (m_wallTimes.empty())
            return 0;
        auto it = std::lower_bound(m_wallTimes.begin(), m_wallTimes.end(), key,
                                   [](const auto &entry, double k) { return entry.first < k; });
        if (it == m_wallTimes.end())
            --it;
        return it->second;
    };
    const auto makeChart = [&](const QString &title, charts::ValueKind kind, const QString &axisLabel) {
        auto *chart = new Chart;
        chart->plot = new QCustomPlot(this);
        chart->kind = kind;
        // Two rows of two beside the I/O tiles' column on a 1024 x 700 screen: narrower than
        // the pool's charts (250), as tall.
        chart->plot->setMinimumSize(200, 120);
        charts::setUpPlot(chart->plot, title, kind);
        chart->plot->yAxis->setLabel(axisLabel);
        chart->plot->installEventFilter(this);
        m_charts.push_back(chart);
        return chart;
    };
    const auto addGraph = [](Chart *chart, const QString &name, const QPen &linePen, const QBrush &brush = Qt::NoBrush) {
        QCPGraph *graph = chart->plot->addGraph();
        graph->setName(name);
        graph->setPen(linePen);
        graph->setBrush(brush);
        chart->graphs.push_back(graph);
    };

    Chart *outstanding = makeChart(tr("Outstanding I/O"), charts::ValueKind::Count, tr("operations"));
    QColor fill = Outstanding;
    fill.setAlpha(60);
    addGraph(outstanding, tr("outstanding"), pen(Outstanding), fill);
    addGraph(outstanding, tr("peak"), pen(Outstanding, Qt::DashLine));

    Chart *completions = makeChart(tr("I/O completions"), charts::ValueKind::Rate, tr("operations / s"));
    addGraph(completions, tr("recv"), pen(Recv));
    addGraph(completions, tr("send"), pen(Send));
    addGraph(completions, tr("read"), pen(Read));
    addGraph(completions, tr("write"), pen(Write));
    addGraph(completions, tr("accept"), pen(Accept, Qt::DashLine));
    addGraph(completions, tr("failed"), pen(Failures));

    Chart *bytes = makeChart(tr("I/O bytes"), charts::ValueKind::Rate, tr("bytes / s"));
    addGraph(bytes, tr("read"), pen(Recv));
    addGraph(bytes, tr("written"), pen(Send, Qt::DashLine));

    Chart *latency = makeChart(tr("I/O latency"), charts::ValueKind::DurationNs, tr("log scale"));
    addGraph(latency, tr("p50"), pen(Recv));
    addGraph(latency, tr("p99"), pen(Recv, Qt::DashLine));

    for (Chart *chart : m_charts)
        chart->hover = new charts::ChartHover(chart->plot, chart->kind, wallClockAt);

    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(6);
    for (int i = 0; i < ChartCount; ++i)
        grid->addWidget(m_charts[static_cast<std::size_t>(i)]->plot, i / 2, i % 2);
    setWindowSeconds(m_window);
}

IoChart::~IoChart()
{
    for (Chart *chart : m_charts)
        delete chart; // the plots themselves are child widgets
}

void IoChart::appendSamples(const std::vector<poolscope::Sample> &samples)
{
    if (samples.empty())
        return;
    const std::size_t n = samples.size();
    QVector<double> keys(static_cast<int>(n));
    std::array<QVector<double>, 12> values;
    for (auto &series : values)
        series.resize(static_cast<int>(n));
    for (std::size_t i = 0; i < n; ++i) {
        const poolscope::Sample &s = samples[i];
        const int k = static_cast<int>(i);
        keys[k] = m_time.secondsAt(s.pool.timestampNs);
        m_wallTimes.emplace_back(keys[k], s.wallTimeMs);
        values[0][k] = static_cast<double>(s.pool.ioOutstanding);
        values[1][k] = static_cast<double>(s.pool.ioPeakOutstanding);
        values[2][k] = s.ioCompletionsPerSecondOf(IoKind::Recv);
        values[3][k] = s.ioCompletionsPerSecondOf(IoKind::Send);
        values[4][k] = s.ioCompletionsPerSecondOf(IoKind::Read);
        values[5][k] = s.ioCompletionsPerSecondOf(IoKind::Write);
        values[6][k] = s.ioCompletionsPerSecondOf(IoKind::Accept);
        values[7][k] = s.ioFailuresPerSecond;
        values[8][k] = s.ioBytesReadPerSecond;
        values[9][k] = s.ioBytesWrittenPerSecond;
        // No completion in the interval: a gap, not a point at 0 on a log axis.
        const bool any = s.ioLatency.count > 0;
        values[10][k] = any ? std::max(1.0, static_cast<double>(s.ioLatency.p50)) : std::nan("");
        values[11][k] = any ? std::max(1.0, static_cast<double>(s.ioLatency.p99)) : std::nan("");
    }
    m_latestKey = keys.back();
    const double oldest = m_latestKey - KeptSeconds;
    while (!m_wallTimes.empty() && m_wallTimes.front().first < oldest)
        m_wallTimes.pop_front();
    std::size_t series = 0;
    for (Chart *chart : m_charts)
        for (QCPGraph *graph : chart->graphs) {
            graph->addData(keys, values[series++], true);
            graph->data()->removeBefore(oldest);
        }
    replot();
}

void IoChart::startNewRun()
{
    for (Chart *chart : m_charts)
        for (QCPGraph *graph : chart->graphs)
            graph->data()->clear();
    m_wallTimes.clear();
    m_time.restart();
    m_latestKey = 0;
    replot();
}

void IoChart::setWindowSeconds(double seconds)
{
    if (seconds <= 0)
        return;
    m_window = seconds;
    replot();
}

bool IoChart::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::Resize)
        if (auto *plot = qobject_cast<QCustomPlot *>(watched))
            charts::fitToSize(plot);
    return QWidget::eventFilter(watched, event);
}

void IoChart::replot()
{
    // The present, as the pool's charts show it: the window from the start until a whole one
    // has passed, then the newest `m_window` seconds.
    const double lower = std::max(0.0, m_latestKey - m_window), upper = std::max(m_window, m_latestKey);
    for (Chart *chart : m_charts) {
        chart->plot->xAxis->setRange(lower, upper);
        charts::fitValueAxis(chart->plot, chart->kind, lower, upper);
        charts::fitToSize(chart->plot);
        chart->plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

int IoChart::pointCount() const { return m_charts.front()->graphs.front()->dataCount(); }

QCustomPlot *IoChart::plot(ChartIndex chart) const { return m_charts.at(static_cast<std::size_t>(chart))->plot; }

QString IoChart::hoverTextAt(ChartIndex chart, double runSeconds) const
{
    return m_charts.at(static_cast<std::size_t>(chart))->hover->textAt(runSeconds);
}
