#include "linechart.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

#include <algorithm>
#include <array>

QColor seriesColor(int n)
{
    // Okabe-Ito, which people with the common colour blindnesses tell apart, then darker shades.
    static const std::array<QColor, 8> colors = {QColor(0x00, 0x72, 0xb2), QColor(0xd5, 0x5e, 0x00), QColor(0x00, 0x9e, 0x73),
                                                 QColor(0xcc, 0x79, 0xa7), QColor(0xe6, 0x9f, 0x00), QColor(0x56, 0xb4, 0xe9),
                                                 QColor(0x33, 0x33, 0x33), QColor(0xf0, 0xe4, 0x42)};
    const int index = std::abs(n) % int(colors.size());
    return n < int(colors.size()) ? colors[std::size_t(index)] : colors[std::size_t(index)].darker(150);
}

LineChart::LineChart(const QString &title, const QString &xLabel, const QString &yLabel, QWidget *parent)
    : QWidget(parent), m_plot(new QCustomPlot(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    m_plot->setMinimumSize(260, 170);
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, new QCPTextElement(m_plot, title, QFont(font().family(), font().pointSize() + 1, QFont::Bold)));
    m_plot->xAxis->setLabel(xLabel);
    m_plot->yAxis->setLabel(yLabel);
    const QPen grid(QColor(0xe6, 0xe6, 0xe6), 1);
    m_plot->xAxis->grid()->setPen(grid);
    m_plot->yAxis->grid()->setPen(grid);
    m_plot->legend->setVisible(true);
    QFont legendFont = font();
    legendFont.setPointSize(std::max(7, font().pointSize() - 1));
    m_plot->legend->setFont(legendFont);
    m_plot->legend->setBrush(QColor(255, 255, 255, 210));
    m_plot->legend->setBorderPen(Qt::NoPen);
    // The legend in a row of its own under the chart: inside, it would hide the lines it names.
    m_plot->axisRect()->insetLayout()->take(m_plot->legend);
    m_plot->plotLayout()->addElement(2, 0, m_plot->legend);
    m_plot->plotLayout()->setRowStretchFactor(2, 0.001);
    m_plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    m_plot->legend->setWrap(3);
    m_plot->legend->setMargins(QMargins(4, 0, 4, 2));
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
}

void LineChart::setLogX(bool log2)
{
    if (!log2) {
        m_plot->xAxis->setScaleType(QCPAxis::stLinear);
        m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        return;
    }
    m_plot->xAxis->setScaleType(QCPAxis::stLogarithmic);
    QSharedPointer<QCPAxisTickerLog> ticker(new QCPAxisTickerLog);
    ticker->setLogBase(2);
    ticker->setSubTickCount(0);
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setNumberFormat(QStringLiteral("g"));
}

void LineChart::setLogY(bool log)
{
    m_logY = log;
    m_plot->yAxis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (log) {
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
        m_plot->yAxis->setNumberFormat(QStringLiteral("gb"));
    } else {
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    }
}

void LineChart::setLegendColumns(int columns) { m_plot->legend->setWrap(std::max(1, columns)); }

void LineChart::setTimeAxis()
{
    QSharedPointer<QCPAxisTickerTime> ticker(new QCPAxisTickerTime);
    ticker->setTimeFormat(QStringLiteral("%m:%s"));
    ticker->setTickCount(5);
    m_plot->xAxis->setTicker(ticker);
}

void LineChart::clear()
{
    m_plot->clearGraphs();
    m_plot->clearItems();
}

void LineChart::addLine(const QString &name, const QColor &color, const QVector<double> &xs, const QVector<double> &ys)
{
    QVector<double> keptX, keptY;
    for (qsizetype i = 0; i < std::min(xs.size(), ys.size()); ++i)
        if (!m_logY || ys[i] > 0) {
            keptX.append(xs[i]);
            keptY.append(ys[i]);
        }
    QCPGraph *graph = m_plot->addGraph();
    graph->setName(name);
    graph->setPen(QPen(color, 1)); // 1 px: wider antialiased pens cost ~15 ms a replot in the software renderer
    graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 4));
    graph->setData(keptX, keptY, true);
}

void LineChart::addMarker(double x, double y, const QString &label)
{
    if (m_logY && y <= 0)
        return;
    auto *ring = new QCPItemEllipse(m_plot);
    ring->setPen(QPen(Qt::black, 1));
    // A ring of 8 px whatever the scale: positions in pixels, anchored to the point.
    auto *anchor = new QCPItemTracer(m_plot);
    anchor->position->setCoords(x, y);
    anchor->setStyle(QCPItemTracer::tsNone);
    ring->topLeft->setParentAnchor(anchor->position);
    ring->bottomRight->setParentAnchor(anchor->position);
    ring->topLeft->setType(QCPItemPosition::ptAbsolute);
    ring->bottomRight->setType(QCPItemPosition::ptAbsolute);
    ring->topLeft->setCoords(-7, -7);
    ring->bottomRight->setCoords(7, 7);
    auto *text = new QCPItemText(m_plot);
    text->position->setParentAnchor(anchor->position);
    text->position->setType(QCPItemPosition::ptAbsolute);
    text->position->setCoords(0, -10);
    text->setPositionAlignment(Qt::AlignBottom | Qt::AlignHCenter);
    text->setText(label);
    QFont bold = font();
    bold.setBold(true);
    text->setFont(bold);
}

void LineChart::refit()
{
    m_plot->rescaleAxes();
    const QCPRange x = m_plot->xAxis->range();
    const QCPRange y = m_plot->yAxis->range();
    if (m_plot->xAxis->scaleType() == QCPAxis::stLogarithmic)
        m_plot->xAxis->setRange(x.lower / 1.3, x.upper * 1.3);
    else
        m_plot->xAxis->setRange(x.lower, x.upper > x.lower ? x.upper : x.lower + 1);
    if (m_logY)
        m_plot->yAxis->setRange(y.lower / 2, y.upper * 3);
    else
        m_plot->yAxis->setRange(std::min(0.0, y.lower), y.upper > 0 ? y.upper * 1.15 : 1);
    m_plot->replot();
}

int LineChart::lineCount() const { return m_plot->graphCount(); }
