#include "chartspanel.h"

#include "charthelpers.h"
#include "keytiles.h"
#include "unitformat.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QComboBox>
#include <QFrame>
#include <QMouseEvent>
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
#include <array>
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
const QColor Alert(0xc5, 0x1b, 0x7d);    // apart from the failures' red: an alert is not an exception
const QColor Decision(0x01, 0x85, 0x71); // apart from the thread bands' blues and the target's grey

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
    std::vector<QCPGraph *> graphs; // the series, in the order appendSamples fills them
    charts::ValueKind kind = charts::ValueKind::Count;
    charts::TimeMarks *exceptions = nullptr;
    charts::TimeMarks *alerts = nullptr;
    charts::ChartHover *hover = nullptr;
};

ChartsPanel::ChartsPanel(QWidget *parent)
    : QWidget(parent), m_windowSelector(new QComboBox(this)), m_pausedBanner(new QFrame(this)),
      m_hint(new QLabel(this))
{
    const auto wallClockAt = [this](double key) -> std::int64_t {
        const Moment *moment = momentAt(key);
        return moment ? moment->wallTimeMs : 0;
    };
    const auto makeChart = [&](const QString &title, charts::ValueKind kind) {
        auto *chart = new Chart;
        chart->plot = new QCustomPlot(this);
        chart->kind = kind;
        chart->plot->setMinimumSize(250, 120); // a 1024 x 700 screen still holds two rows of two
        charts::setUpPlot(chart->plot, title, kind);
        // Zoom with the wheel here; the drag is ours (see eventFilter): a click must not pan.
        chart->plot->setInteractions(QCP::iRangeZoom);
        chart->plot->axisRect()->setRangeZoom(Qt::Horizontal);
        chart->plot->installEventFilter(this);
        chart->exceptions = new charts::TimeMarks(chart->plot, tr("exceptions"), Failures);
        chart->alerts = new charts::TimeMarks(chart->plot, tr("alerts"), Alert);
        // A wheel zoom changes one plot's range: all four take it and repaint together (the
        // plot only repaints itself). Our own setSharedRange comes back here: ignored.
        connect(chart->plot->xAxis, qOverload<const QCPRange &>(&QCPAxis::rangeChanged), this,
                [this](const QCPRange &range) {
                    if (m_settingRange)
                        return;
                    setSharedRange(range.lower, range.upper);
                    replot();
                });
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
    const auto withExceptions = [this](double key) { return describeExceptions(key); };

    Chart *queue = makeChart(tr("Queue depth"), charts::ValueKind::Count);
    addGraph(queue, tr("queued"), pen(Queue), withAlpha(Queue, 60));
    queue->plot->yAxis->setLabel(tr("units"));

    // Time-weighted averages, stacked back to front, each band filled down to the axis with an
    // opaque colour that covers the band below: all threads (idle on top), running + blocked,
    // running. The limit is a 2 px line, drawn without antialiasing (cheap at any width).
    Chart *threads = makeChart(tr("Threads"), charts::ValueKind::Threads);
    addGraph(threads, tr("idle"), pen(Idle.darker(130)), Idle);
    addGraph(threads, tr("blocked"), pen(Blocked.darker(115)), Blocked);
    addGraph(threads, tr("running"), pen(Running.darker(115)), Running);
    addGraph(threads, tr("target"), pen(Target, Qt::DashLine));
    QCPGraph *limit = addGraph(threads, tr("limit"), QPen(Limit, 2));
    limit->setAntialiased(false);
    // Running above the limit (units back from a BlockingScope): the excess shaded in red,
    // between max(running, limit) and the limit line.
    QCPGraph *above = addGraph(threads, tr("above limit"), QPen(Qt::NoPen), withAlpha(Limit, 150));
    above->setChannelFillGraph(limit);
    threads->plot->yAxis->setLabel(tr("threads (average)"));
    m_decisions = new charts::TimeMarks(threads->plot, tr("auto-size decisions"), Decision);

    Chart *rates = makeChart(tr("Throughput"), charts::ValueKind::Rate);
    addGraph(rates, tr("completed"), pen(Completions), withAlpha(Completions, 35));
    addGraph(rates, tr("failed"), pen(Failures));
    addGraph(rates, tr("posted"), pen(Posts, Qt::DashLine));
    rates->plot->yAxis->setLabel(tr("units / s"));

    Chart *latency = makeChart(tr("Latency"), charts::ValueKind::DurationNs);
    addGraph(latency, tr("wait p50"), pen(Running));
    addGraph(latency, tr("wait p99"), pen(Running, Qt::DashLine));
    addGraph(latency, tr("service p50"), pen(Completions));
    addGraph(latency, tr("service p99"), pen(Completions, Qt::DashLine));
    latency->plot->yAxis->setLabel(tr("log scale"));

    for (Chart *chart : m_charts) {
        charts::ChartHover::Describe describe = withExceptions;
        if (chart == threads) // stacked bands: the readout gives each state, not the stack
            describe = [this](double key) { return describeThreads(key); };
        chart->hover = new charts::ChartHover(chart->plot, chart->kind, wallClockAt, describe);
        chart->hover->setListGraphs(chart != threads);
    }

    m_windowSelector->addItem(tr("30 s"), 30.0);
    m_windowSelector->addItem(tr("5 min"), 300.0);
    m_windowSelector->addItem(tr("1 h"), 3600.0);
    m_windowSelector->setToolTip(tr("Time window of the charts"));
    connect(m_windowSelector, &QComboBox::currentIndexChanged, this,
            [this](int index) { setWindowSeconds(m_windowSelector->itemData(index).toDouble()); });
    m_hint->setText(tr("hover for values · drag to scroll back · wheel to zoom"));
    m_hint->setStyleSheet(QStringLiteral("color: #777;"));

    // Paused is a state the user must see: the counters and tiles keep moving meanwhile.
    m_pausedBanner->setObjectName(QStringLiteral("chartsPausedBanner"));
    m_pausedBanner->setStyleSheet(QStringLiteral("#chartsPausedBanner { background: #fff3cd; border: 1px solid #e0c060;"
                                                 " border-radius: 3px; } QLabel { color: #5c4400; }"));
    auto *bannerText = new QLabel(tr("Charts paused - click Follow live"), m_pausedBanner);
    QFont bold = bannerText->font();
    bold.setBold(true);
    bannerText->setFont(bold);
    auto *follow = new QPushButton(tr("Follow live"), m_pausedBanner);
    follow->setObjectName(QStringLiteral("followLiveButton"));
    connect(follow, &QPushButton::clicked, this, [this] { setFollowing(true); });
    auto *bannerLayout = new QHBoxLayout(m_pausedBanner);
    bannerLayout->setContentsMargins(8, 2, 4, 2);
    bannerLayout->addWidget(bannerText);
    bannerLayout->addStretch(1);
    bannerLayout->addWidget(follow);
    m_pausedBanner->hide();

    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Window:"), this));
    bar->addWidget(m_windowSelector);
    bar->addStretch(1);
    bar->addWidget(m_hint);

    auto *grid = new QGridLayout;
    grid->setSpacing(6);
    grid->addWidget(queue->plot, 0, 0);
    grid->addWidget(threads->plot, 0, 1);
    grid->addWidget(rates->plot, 1, 0);
    grid->addWidget(latency->plot, 1, 1);
    for (int i = 0; i < 2; ++i) { // four equal charts: the layout would size columns by content
        grid->setColumnStretch(i, 1);
        grid->setRowStretch(i, 1);
    }

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_pausedBanner);
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
    const std::size_t n = samples.size();
    QVector<double> keys(static_cast<int>(n));
    std::array<QVector<double>, 14> values;
    for (auto &series : values)
        series.resize(static_cast<int>(n));
    const auto nanos = [](std::uint64_t ns, bool any) {
        return any ? std::max(1.0, static_cast<double>(ns)) : std::nan("");
    };
    std::vector<double> failedAt;
    for (std::size_t i = 0; i < n; ++i) {
        const poolscope::Sample &s = samples[i];
        const int k = static_cast<int>(i);
        const double key = m_time.secondsAt(s.pool.timestampNs);
        keys[k] = key;
        // Averages over the interval when the pool times its units; else what it says now.
        Moment moment{key, s.wallTimeMs, s.pool.runningWorkers, s.pool.blockedWorkers, s.pool.idleWorkers,
                      s.pool.liveWorkers, s.pool.targetWorkers, s.pool.concurrency, s.averageRunning,
                      s.averageBlocked, s.averageIdle, s.utilisationPercent, 0,
                      s.pool.runningNs + s.pool.blockedNs + s.pool.idleNs > 0};
        if (!moment.timed) {
            moment.averageRunning = moment.running;
            moment.averageBlocked = moment.blocked;
            moment.averageIdle = moment.idle;
        }
        moment.newFailures = s.pool.failed > m_lastFailed ? s.pool.failed - m_lastFailed : 0;
        m_lastFailed = s.pool.failed;
        if (moment.newFailures > 0)
            failedAt.push_back(key);
        m_moments.push_back(moment);

        const double running = moment.averageRunning, blocked = moment.averageBlocked, idle = moment.averageIdle;
        const double limit = s.pool.concurrency;
        values[0][k] = static_cast<double>(s.pool.queued);
        values[1][k] = running + blocked + idle;
        values[2][k] = running + blocked;
        values[3][k] = running;
        values[4][k] = s.pool.targetWorkers;
        values[5][k] = limit;
        values[6][k] = std::max(running, limit);
        values[7][k] = s.completionsPerSecond;
        values[8][k] = s.failuresPerSecond;
        values[9][k] = s.postsPerSecond;
        const bool waited = s.queueWait.count > 0, served = s.serviceTime.count > 0;
        values[10][k] = nanos(s.queueWait.p50, waited);
        values[11][k] = nanos(s.queueWait.p99, waited);
        values[12][k] = nanos(s.serviceTime.p50, served);
        values[13][k] = nanos(s.serviceTime.p99, served);
    }
    m_latestKey = keys.back();
    const double oldest = m_latestKey - KeptSeconds;
    while (!m_moments.empty() && m_moments.front().key < oldest)
        m_moments.pop_front();
    int series = 0;
    for (Chart *chart : m_charts) {
        for (QCPGraph *graph : chart->graphs) {
            graph->addData(keys, values[static_cast<std::size_t>(series++)], true);
            graph->data()->removeBefore(oldest);
        }
        for (double key : failedAt)
            chart->exceptions->add(key);
        chart->exceptions->removeBefore(oldest);
        chart->alerts->removeBefore(oldest);
    }
    m_decisions->removeBefore(oldest);
    if (m_following)
        followPresent();
    replot();
}

void ChartsPanel::startNewRun()
{
    for (Chart *chart : m_charts) {
        for (QCPGraph *graph : chart->graphs)
            graph->data()->clear();
        chart->exceptions->clear();
        chart->alerts->clear();
    }
    m_decisions->clear();
    m_moments.clear();
    m_time.restart();
    m_latestKey = 0;
    m_lastFailed = 0;
    if (m_following)
        followPresent();
    replot();
}

const ChartsPanel::Moment *ChartsPanel::momentAt(double key) const
{
    if (m_moments.empty())
        return nullptr;
    auto it = std::lower_bound(m_moments.begin(), m_moments.end(), key,
                               [](const Moment &moment, double k) { return moment.key < k; });
    if (it == m_moments.end())
        --it;
    else if (it != m_moments.begin() && key - (it - 1)->key < it->key - key)
        --it;
    return &*it;
}

QStringList ChartsPanel::describeThreads(double key) const
{
    const Moment *m = momentAt(key);
    if (!m)
        return {};
    using unitformat::threads;
    const auto line = [](const QColor &colour, const QString &name, const QString &value) {
        return QStringLiteral("<span style='color:%1'>■</span> %2: <b>%3</b>").arg(colour.name(), name, value);
    };
    QStringList lines;
    const QString now = m->timed ? tr("%1 &nbsp;<span style='color:#777'>(now %2)</span>") : QStringLiteral("%1");
    const auto value = [&](double average, std::uint32_t instant) {
        return m->timed ? now.arg(threads(average)).arg(instant) : now.arg(threads(average));
    };
    lines << line(Running.darker(115), tr("running"), value(m->averageRunning, m->running));
    lines << line(Blocked.darker(115), tr("blocked"), value(m->averageBlocked, m->blocked));
    lines << line(Idle.darker(130), tr("idle"), value(m->averageIdle, m->idle));
    lines << tr("live %1 · target %2 · limit %3").arg(m->live).arg(m->target).arg(m->limit);
    if (m->timed)
        lines << tr("utilisation %1 of the limit").arg(unitformat::percent(m->utilisation));
    // The Threads tile's rule (KeyTiles::judgeRunning): above the limit is normal while units
    // block, and breaks the limit only when running - blocked exceeds it.
    const KeyTiles::LimitVerdict verdict = KeyTiles::judgeRunning(m->averageRunning, m->averageBlocked, m->limit);
    if (verdict.broken)
        lines << QStringLiteral("<span style='color:%1'><b>%2</b></span>")
                     .arg(Limit.name(), tr("running above the limit by more than blocking explains "
                                           "(running - blocked = %1)")
                                            .arg(threads(m->averageRunning - m->averageBlocked)));
    else if (!verdict.why.isEmpty())
        lines << QStringLiteral("<span style='color:#777'>%1</span>")
                     .arg(tr("running above the limit, which blocking explains (units back from a BlockingScope)"));
    return lines + describeExceptions(key);
}

QStringList ChartsPanel::describeExceptions(double key) const
{
    const Moment *m = momentAt(key);
    if (!m || m->newFailures == 0)
        return {};
    return {QStringLiteral("<span style='color:%1'>▲</span> %2")
                .arg(Failures.name(), tr("%n exception(s) in this interval", nullptr, static_cast<int>(m->newFailures)))};
}

bool ChartsPanel::eventFilter(QObject *watched, QEvent *event)
{
    auto *plot = qobject_cast<QCustomPlot *>(watched);
    if (!plot)
        return QWidget::eventFilter(watched, event);
    switch (event->type()) {
    case QEvent::MouseButtonPress: {
        const auto *press = static_cast<QMouseEvent *>(event);
        if (press->button() == Qt::LeftButton) {
            m_pressedPlot = plot;
            m_pressAt = press->position().toPoint();
            m_pressLower = plot->xAxis->range().lower;
            m_pressUpper = plot->xAxis->range().upper;
            m_dragging = false;
        }
        break;
    }
    case QEvent::MouseMove: {
        const auto *move = static_cast<QMouseEvent *>(event);
        if (m_pressedPlot != plot || !(move->buttons() & Qt::LeftButton))
            break;
        const QPoint moved = move->position().toPoint() - m_pressAt;
        if (!m_dragging && moved.manhattanLength() < QApplication::startDragDistance())
            break; // a click that trembled: not a drag
        if (!m_dragging) {
            m_dragging = true;
            setFollowing(false);
        }
        const double perPixel = (m_pressUpper - m_pressLower) / std::max(1, plot->axisRect()->width());
        const double shift = -moved.x() * perPixel;
        setSharedRange(m_pressLower + shift, m_pressUpper + shift);
        replot();
        return true;
    }
    case QEvent::MouseButtonRelease:
        m_pressedPlot = nullptr;
        m_dragging = false;
        break;
    case QEvent::Wheel:
        setFollowing(false); // before QCustomPlot zooms: the new range is the user's
        break;
    case QEvent::Resize:
        charts::fitToSize(plot);
        break;
    default: break;
    }
    return QWidget::eventFilter(watched, event);
}

void ChartsPanel::followPresent()
{
    if (m_window <= 0) { // a saved run's "Whole run"
        setSharedRange(0, std::max(1.0, m_latestKey));
        return;
    }
    // Until a whole window has passed, show the window from the start rather than negative time.
    setSharedRange(std::max(0.0, m_latestKey - m_window), std::max(m_window, m_latestKey));
}

void ChartsPanel::setWindowSeconds(double seconds)
{
    if (seconds < 0 || (seconds == 0 && !m_savedRun)) // "Whole run" (0) is a saved run's only
        return;
    m_window = seconds;
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
    m_pausedBanner->setVisible(!following && !m_savedRun);
    if (following) {
        followPresent();
        replot();
    }
}

bool ChartsPanel::isPausedBannerVisible() const { return m_pausedBanner->isVisible(); }

QString ChartsPanel::windowText() const { return m_windowSelector->currentText(); }

void ChartsPanel::setSharedRange(double lower, double upper)
{
    if (m_settingRange)
        return;
    if (lower < 0) { // nothing before the run started: scrolling stops there
        upper -= lower;
        lower = 0;
    }
    m_settingRange = true; // the plots' rangeChanged signals come back here
    for (Chart *chart : m_charts)
        chart->plot->xAxis->setRange(lower, upper);
    m_settingRange = false;
}

void ChartsPanel::fitValueAxes()
{
    const QCPRange visible = m_charts.front()->plot->xAxis->range();
    for (Chart *chart : m_charts)
        charts::fitValueAxis(chart->plot, chart->kind, visible.lower, visible.upper);
}

void ChartsPanel::replot()
{
    fitValueAxes();
    for (Chart *chart : m_charts) {
        charts::fitToSize(chart->plot);
        chart->plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

void ChartsPanel::showSavedRun()
{
    // The selector says what the charts show: "Whole run" first; 30 s, 5 min and 1 h show the
    // run's last seconds (where a live window would have stopped), and dragging scrolls back.
    m_savedRun = true;
    setFollowing(false);
    if (m_windowSelector->findData(0.0) < 0) {
        const QSignalBlocker blocker(m_windowSelector);
        m_windowSelector->insertItem(0, tr("Whole run"), 0.0);
    }
    setWindowSeconds(0);
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
        QCustomPlot *plot = m_charts[i]->plot;
        charts::fitToSize(plot, QSize(width, height)); // ticks, legend row and labels for the picture's size
        plot->toPainter(&painter, width, height);
        charts::fitToSize(plot); // and back for the window
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

QString ChartsPanel::hoverTextAt(ChartIndex chart, double runSeconds) const
{
    return m_charts.at(static_cast<std::size_t>(chart))->hover->textAt(runSeconds);
}

void ChartsPanel::markDecision(double runSeconds, const QString &text)
{
    m_decisions->addLabelled(runSeconds, text);
    m_charts.at(ThreadsChart)->plot->replot(QCustomPlot::rpQueuedReplot);
}

void ChartsPanel::markAlert(double runSeconds, const QString &text)
{
    for (Chart *chart : m_charts) {
        chart->alerts->addLabelled(runSeconds, text);
        chart->plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

int ChartsPanel::exceptionMarkCount() const { return m_charts.front()->exceptions->count(); }

std::vector<QCustomPlot *> ChartsPanel::plots() const
{
    std::vector<QCustomPlot *> result;
    for (Chart *chart : m_charts)
        result.push_back(chart->plot);
    return result;
}
