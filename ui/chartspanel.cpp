#include "chartspanel.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QFontMetrics>
#include <QImage>
#include <QPageSize>
#include <QPdfWriter>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace {

// A palette that reads well on white and for the common colour blindnesses.
const QColor Running(0x2b, 0x83, 0xba);
const QColor Blocked(0xfd, 0xae, 0x61);
const QColor Idle(0xab, 0xd9, 0xe9);
const QColor Target(0x33, 0x33, 0x33);
const QColor Limit(0xd7, 0x19, 0x1c);
const QColor Completions(0x1a, 0x96, 0x41);
const QColor Failures(0xd7, 0x19, 0x1c);
const QColor Posts(0x88, 0x88, 0x88);
const QColor Queue(0x54, 0x27, 0x88);

QColor withAlpha(QColor color, int alpha)
{
    color.setAlpha(alpha);
    return color;
}

QPen pen(const QColor &color, Qt::PenStyle style = Qt::SolidLine)
{
    QPen p(color, 1); // 1 px: wider antialiased pens cost ~15 ms a replot in the software renderer
    p.setStyle(style);
    return p;
}

} // namespace

struct ChartsPanel::Chart {
    QCustomPlot *plot = nullptr;
    std::vector<QCPGraph *> graphs;
    bool logScale = false;
};

ChartsPanel::ChartsPanel(QWidget *parent)
    : QWidget(parent), m_windowSelector(new QComboBox(this)), m_followButton(new QPushButton(tr("Pause"), this)),
      m_hint(new QLabel(this))
{
    const auto makeChart = [this](const QString &title, const QString &unit, bool logScale) {
        auto *chart = new Chart;
        chart->plot = new QCustomPlot(this);
        chart->logScale = logScale;
        QCustomPlot *plot = chart->plot;
        plot->setMinimumSize(280, 170);
        plot->setNoAntialiasingOnDrag(true);
        plot->plotLayout()->insertRow(0);
        auto *heading = new QCPTextElement(plot, title, QFont(font().family(), font().pointSize() + 1, QFont::Bold));
        plot->plotLayout()->addElement(0, 0, heading);
        QSharedPointer<QCPAxisTickerTime> timeTicker(new QCPAxisTickerTime);
        timeTicker->setTimeFormat(QStringLiteral("%m:%s"));
        timeTicker->setTickCount(5);
        plot->xAxis->setTicker(timeTicker);
        plot->xAxis->setLabel(tr("time since start"));
        plot->yAxis->setLabel(unit);
        if (logScale) {
            plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
            QSharedPointer<QCPAxisTickerLog> logTicker(new QCPAxisTickerLog);
            plot->yAxis->setTicker(logTicker);
            plot->yAxis->setNumberFormat(QStringLiteral("eb"));
            plot->yAxis->setNumberPrecision(0);
        }
        const QColor grid(0xe6, 0xe6, 0xe6);
        plot->xAxis->grid()->setPen(pen(grid));
        plot->yAxis->grid()->setPen(pen(grid));
        plot->legend->setVisible(true);
        QFont legendFont = font();
        legendFont.setPointSize(std::max(7, font().pointSize() - 1));
        plot->legend->setFont(legendFont);
        plot->legend->setBrush(QColor(255, 255, 255, 210));
        plot->legend->setBorderPen(Qt::NoPen);
        plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
        plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
        plot->axisRect()->setRangeDrag(Qt::Horizontal);
        plot->axisRect()->setRangeZoom(Qt::Horizontal);
        // A drag or a wheel turn means "let me look back": stop following the present.
        connect(plot, &QCustomPlot::mousePress, this, [this] { setFollowing(false); });
        connect(plot, &QCustomPlot::mouseWheel, this, [this] { setFollowing(false); });
        connect(plot->xAxis, qOverload<const QCPRange &>(&QCPAxis::rangeChanged), this,
                [this](const QCPRange &range) { setSharedRange(range.lower, range.upper); });
        m_charts.push_back(chart);
        return chart;
    };
    const auto addGraph = [](Chart *chart, const QString &name, const QPen &linePen, const QBrush &brush = Qt::NoBrush) {
        QCPGraph *graph = chart->plot->addGraph();
        graph->setName(name);
        graph->setPen(linePen);
        graph->setBrush(brush);
        chart->graphs.push_back(graph);
        return graph;
    };

    Chart *queue = makeChart(tr("Queue depth"), tr("units queued"), false);
    addGraph(queue, tr("queued"), pen(Queue), withAlpha(Queue, 60));

    // Stacked bands, drawn back to front, each filled down to the axis with an opaque colour
    // that covers the band below: total (idle on top), running + blocked, running.
    Chart *threads = makeChart(tr("Threads"), tr("threads"), false);
    addGraph(threads, tr("idle"), pen(Idle.darker(130)), Idle);
    addGraph(threads, tr("blocked"), pen(Blocked.darker(115)), Blocked);
    addGraph(threads, tr("running"), pen(Running.darker(115)), Running);
    addGraph(threads, tr("target"), pen(Target, Qt::DashLine));
    addGraph(threads, tr("concurrency limit"), pen(Limit, Qt::DotLine));

    Chart *rates = makeChart(tr("Throughput"), tr("units / s"), false);
    addGraph(rates, tr("completed/s"), pen(Completions), withAlpha(Completions, 35));
    addGraph(rates, tr("failed/s"), pen(Failures));
    addGraph(rates, tr("posted/s"), pen(Posts, Qt::DashLine));

    Chart *latency = makeChart(tr("Latency"), tr("µs (log)"), true);
    addGraph(latency, tr("queue wait p50"), pen(Running));
    addGraph(latency, tr("queue wait p99"), pen(Running, Qt::DashLine));
    addGraph(latency, tr("service p50"), pen(Completions));
    addGraph(latency, tr("service p99"), pen(Completions, Qt::DashLine));

    m_windowSelector->addItem(tr("30 s"), 30.0);
    m_windowSelector->addItem(tr("5 min"), 300.0);
    m_windowSelector->addItem(tr("1 h"), 3600.0);
    m_windowSelector->setToolTip(tr("Time window of the charts"));
    connect(m_windowSelector, &QComboBox::currentIndexChanged, this,
            [this](int index) { setWindowSeconds(m_windowSelector->itemData(index).toDouble()); });
    m_followButton->setCheckable(true);
    m_followButton->setToolTip(tr("Pause the charts to scroll back (drag) and zoom (wheel); press again to follow live"));
    connect(m_followButton, &QPushButton::toggled, this, [this](bool paused) { setFollowing(!paused); });
    m_hint->setText(tr("drag to scroll back · wheel to zoom"));
    m_hint->setStyleSheet(QStringLiteral("color: #777;"));

    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Window:"), this));
    bar->addWidget(m_windowSelector);
    bar->addWidget(m_followButton);
    bar->addStretch(1);
    bar->addWidget(m_hint);

    auto *grid = new QGridLayout;
    grid->setSpacing(6);
    grid->addWidget(queue->plot, 0, 0);
    grid->addWidget(threads->plot, 0, 1);
    grid->addWidget(rates->plot, 1, 0);
    grid->addWidget(latency->plot, 1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addLayout(grid, 1);
    followPresent();
}

ChartsPanel::~ChartsPanel()
{
    for (Chart *chart : m_charts)
        delete chart; // the plots themselves are child widgets
}

void ChartsPanel::appendSamples(const std::vector<poolscope::Sample> &samples)
{
    if (samples.empty())
        return;
    if (m_origin < 0)
        m_origin = static_cast<double>(samples.front().pool.timestampNs) / 1e9;

    const std::size_t n = samples.size();
    QVector<double> keys(static_cast<int>(n));
    std::array<QVector<double>, 14> values;
    for (auto &series : values)
        series.resize(static_cast<int>(n));
    const auto micros = [](std::uint64_t ns, bool any) {
        return any ? std::max(0.1, static_cast<double>(ns) / 1000.0) : std::nan("");
    };
    for (std::size_t i = 0; i < n; ++i) {
        const poolscope::Sample &s = samples[i];
        const int k = static_cast<int>(i);
        keys[k] = static_cast<double>(s.pool.timestampNs) / 1e9 - m_origin;
        const double running = s.pool.runningWorkers, blocked = s.pool.blockedWorkers, idle = s.pool.idleWorkers;
        values[0][k] = static_cast<double>(s.pool.queued);
        values[1][k] = running + blocked + idle;
        values[2][k] = running + blocked;
        values[3][k] = running;
        values[4][k] = s.pool.targetWorkers;
        values[5][k] = s.pool.concurrency;
        values[6][k] = s.completionsPerSecond;
        values[7][k] = s.failuresPerSecond;
        values[8][k] = s.postsPerSecond;
        const bool waited = s.queueWait.count > 0, served = s.serviceTime.count > 0;
        values[9][k] = micros(s.queueWait.p50, waited);
        values[10][k] = micros(s.queueWait.p99, waited);
        values[11][k] = micros(s.serviceTime.p50, served);
        values[12][k] = micros(s.serviceTime.p99, served);
    }
    m_latestKey = keys.back();
    int series = 0;
    for (Chart *chart : m_charts)
        for (QCPGraph *graph : chart->graphs) {
            graph->addData(keys, values[static_cast<std::size_t>(series++)], true);
            graph->data()->removeBefore(m_latestKey - KeptSeconds);
        }
    if (m_following)
        followPresent();
    replot();
}

void ChartsPanel::startNewRun()
{
    for (Chart *chart : m_charts)
        for (QCPGraph *graph : chart->graphs)
            graph->data()->clear();
    m_origin = -1;
    m_latestKey = 0;
    if (m_following)
        followPresent();
    replot();
}

void ChartsPanel::followPresent()
{
    // Until a whole window has passed, show the window from the start rather than negative time.
    setSharedRange(std::max(0.0, m_latestKey - m_window), std::max(m_window, m_latestKey));
}

void ChartsPanel::setWindowSeconds(double seconds)
{
    if (seconds <= 0)
        return;
    m_window = seconds;
    for (Chart *chart : m_charts) // hours appear once the window can hold them
        if (auto ticker = qSharedPointerDynamicCast<QCPAxisTickerTime>(chart->plot->xAxis->ticker()))
            ticker->setTimeFormat(seconds >= 3600 ? QStringLiteral("%h:%m:%s") : QStringLiteral("%m:%s"));
    const int index = m_windowSelector->findData(seconds);
    if (index >= 0 && index != m_windowSelector->currentIndex()) {
        const QSignalBlocker blocker(m_windowSelector);
        m_windowSelector->setCurrentIndex(index);
    }
    followPresent();
    replot();
    emit windowChanged(seconds);
}

void ChartsPanel::setFollowing(bool following)
{
    m_following = following;
    {
        const QSignalBlocker blocker(m_followButton);
        m_followButton->setChecked(!following);
        m_followButton->setText(following ? tr("Pause") : tr("Follow live"));
    }
    if (following) {
        followPresent();
        replot();
    }
}

void ChartsPanel::setSharedRange(double lower, double upper)
{
    if (m_settingRange)
        return;
    m_settingRange = true; // the plots' rangeChanged signals come back here
    for (Chart *chart : m_charts)
        chart->plot->xAxis->setRange(lower, upper);
    m_settingRange = false;
}

void ChartsPanel::fitValueAxes()
{
    const QCPRange visible = m_charts.front()->plot->xAxis->range();
    for (Chart *chart : m_charts) {
        double low = INFINITY, high = 0;
        for (QCPGraph *graph : chart->graphs) {
            bool found = false;
            const QCPRange range = graph->getValueRange(found, chart->logScale ? QCP::sdPositive : QCP::sdBoth, visible);
            if (found) {
                low = std::min(low, range.lower);
                high = std::max(high, range.upper);
            }
        }
        if (chart->logScale) {
            if (!std::isfinite(low) || high <= 0)
                chart->plot->yAxis->setRange(1, 1000);
            else
                chart->plot->yAxis->setRange(std::max(0.05, low / 2), high * 2);
        } else {
            chart->plot->yAxis->setRange(0, std::max(1.0, high * 1.15));
        }
    }
}

void ChartsPanel::replot()
{
    fitValueAxes();
    for (Chart *chart : m_charts)
        chart->plot->replot(QCustomPlot::rpQueuedReplot);
}

void ChartsPanel::showSavedRun()
{
    setFollowing(false);
    m_followButton->hide();
    setSharedRange(0, std::max(1.0, m_latestKey));
    replot();
}

void ChartsPanel::paintGrid(QCPPainter &painter, QSize size, const QString &caption) const
{
    int top = 0;
    if (!caption.isEmpty()) {
        QFont captionFont = font();
        captionFont.setPointSizeF(captionFont.pointSizeF() + 1);
        painter.setFont(captionFont);
        painter.setPen(QColor(0x33, 0x33, 0x33));
        const int height = QFontMetrics(captionFont, painter.device()).height() + 8;
        painter.drawText(QRect(8, 0, size.width() - 16, height), Qt::AlignLeft | Qt::AlignVCenter,
                         QFontMetrics(captionFont, painter.device()).elidedText(caption, Qt::ElideRight, size.width() - 16));
        top = height;
    }
    // The grid of the window, at any size: two columns, two rows, a small gap.
    constexpr int Gap = 8;
    const int width = (size.width() - Gap) / 2, height = (size.height() - top - Gap) / 2;
    for (std::size_t i = 0; i < m_charts.size(); ++i) {
        painter.save();
        painter.translate(static_cast<int>(i % 2) * (width + Gap), top + static_cast<int>(i / 2) * (height + Gap));
        m_charts[i]->plot->toPainter(&painter, width, height);
        painter.restore();
    }
}

QImage ChartsPanel::renderImage(QSize size, const QString &caption) const
{
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    QCPPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    paintGrid(painter, size, caption);
    return image;
}

bool ChartsPanel::writePdf(QIODevice *device, QSize size, const QString &caption, QString &error) const
{
    QPdfWriter writer(device);
    writer.setCreator(QStringLiteral("Poolscope"));
    writer.setTitle(caption.isEmpty() ? tr("Poolscope charts") : caption);
    writer.setResolution(72); // one unit is one point: the page is `size` points
    if (!writer.setPageSize(QPageSize(QSizeF(size), QPageSize::Point, QString(), QPageSize::ExactMatch)) ||
        !writer.setPageMargins(QMarginsF(0, 0, 0, 0))) {
        error = tr("the PDF writer refused a page of %1 x %2 points").arg(size.width()).arg(size.height());
        return false;
    }
    QCPPainter painter;
    if (!painter.begin(&writer)) {
        error = tr("could not start the PDF");
        return false;
    }
    painter.setMode(QCPPainter::pmVectorized);
    painter.setMode(QCPPainter::pmNoCaching);
    paintGrid(painter, size, caption);
    painter.end();
    return true;
}

int ChartsPanel::pointCount() const { return m_charts.front()->graphs.front()->dataCount(); }

std::vector<QCustomPlot *> ChartsPanel::plots() const
{
    std::vector<QCustomPlot *> result;
    for (Chart *chart : m_charts)
        result.push_back(chart->plot);
    return result;
}
