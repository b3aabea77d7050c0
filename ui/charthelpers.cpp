#include "charthelpers.h"

#include "unitformat.h"

#include <qcustomplot.h>

#include <QEvent>
#include <QLabel>
#include <QMouseEvent>

#include <algorithm>
#include <cmath>
#include <vector>

namespace charts {

namespace {

constexpr const char *MarkProperty = "poolscopeTimeMark"; // graphs that are marks, not series
constexpr const char *HoverLayer = "hover";
constexpr int PixelsPerTimeTick = 110; // "1h02m05s" and a gap, one tick more than width/110 at most
constexpr int PixelsPerValueTick = 40;
constexpr int MinHeightForTimeLabel = 200;
constexpr int MarkStripPixels = 9; // under a linear value axis' zero: the time marks' strip
constexpr const char *TimeAxisLabelProperty = "poolscopeTimeAxisLabel";
constexpr const char *ValueAxisLabelProperty = "poolscopeValueAxisLabel";
constexpr int MinLegendEntriesBeside = 3; // fewer fit beside the title: the legend gets a row of its own

// "2.50 k" -> "2.5 k", "1.00 µs" -> "1 µs": tick labels need no trailing zeros.
QString withoutTrailingZeros(QString text)
{
    const qsizetype dot = text.indexOf(QLatin1Char('.'));
    if (dot < 0)
        return text;
    qsizetype end = dot + 1;
    while (end < text.size() && text[end].isDigit())
        ++end;
    qsizetype cut = end;
    while (cut > dot + 1 && text[cut - 1] == QLatin1Char('0'))
        --cut;
    if (cut == dot + 1)
        cut = dot;
    return text.left(cut) + text.mid(end);
}

// Time since the run started, at steps a person counts in (1, 2, 5, 10, 15, 30 s, 1, 2, 5,
// 10, 15, 30 min, 1, 2, 3, 6, 12 h), as many as the tick count (set from the axis width).
class RunTimeTicker : public QCPAxisTicker {
protected:
    double getTickStep(const QCPRange &range) override
    {
        static const double steps[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200};
        const double wanted = range.size() / std::max(1, tickCount());
        for (double step : steps)
            if (step >= wanted)
                return step;
        return std::ceil(wanted / 43200) * 43200;
    }
    int getSubTickCount(double tickStep) override { return tickStep >= 60 && std::fmod(tickStep, 300) == 0 ? 4 : 1; }
    QString getTickLabel(double tick, const QLocale &, QChar, int) override { return runTimeLabel(tick); }
};

// Linear value ticks in the kind's units; whole steps for what is counted in wholes.
class ValueTicker : public QCPAxisTicker {
public:
    explicit ValueTicker(ValueKind kind) : m_kind(kind) {}

protected:
    double getTickStep(const QCPRange &range) override
    {
        if (m_kind == ValueKind::Rate)
            return QCPAxisTicker::getTickStep(range);
        // Counts and threads: 1, 2, 5, 10, ... never 2.5 threads; rounded up from the step the
        // tick count asks for (set from the axis height), so labels never come closer than that.
        const double wanted = range.size() / std::max(1, tickCount());
        if (wanted <= 1)
            return 1;
        double magnitude = 0;
        const double mantissa = getMantissa(wanted, &magnitude);
        double clean = (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * magnitude;
        // Rounding up may leave one tick in the range (0 .. 4.6 threads at a step of 5 labels
        // only the 0): step down 10 -> 5 -> 4 -> 2 -> 1 until at least two whole ticks are in
        // it, by as little as may be (0, 4 rather than 0, 2, 4 on a short axis).
        const auto ticksIn = [&range](double s) { return std::floor(range.upper / s) - std::ceil(range.lower / s) + 1; };
        while (clean > 1 && ticksIn(clean) < 2) {
            double m = 0;
            const double first = std::round(getMantissa(clean, &m)); // 1 <= first < 10
            clean = std::max(1.0, std::round((first > 5 ? 5 : first > 4 ? 4 : first > 2 ? 2 : first > 1 ? 1 : 0.5) * m));
        }
        return clean;
    }
    int getSubTickCount(double tickStep) override
    {
        return m_kind == ValueKind::Rate ? QCPAxisTicker::getSubTickCount(tickStep)
                                         : (tickStep <= 1 ? 0 : tickStep <= 2 ? 1 : 4);
    }
    QString getTickLabel(double tick, const QLocale &, QChar, int) override
    {
        return withoutTrailingZeros(unitformat::count(tick));
    }

private:
    ValueKind m_kind;
};

// Decades of nanoseconds, labelled 1 µs, 10 µs, 100 µs, 1 ms ...
class DurationLogTicker : public QCPAxisTickerLog {
protected:
    QString getTickLabel(double tick, const QLocale &, QChar, int) override
    {
        return withoutTrailingZeros(unitformat::durationNs(tick));
    }
};

const QCPGraphData *nearest(const QCPGraph *graph, double key)
{
    const auto data = graph->data();
    if (data->isEmpty())
        return nullptr;
    auto it = std::lower_bound(data->constBegin(), data->constEnd(), key,
                               [](const QCPGraphData &point, double k) { return point.key < k; });
    if (it == data->constEnd())
        return &*(it - 1);
    if (it != data->constBegin() && key - (it - 1)->key < it->key - key)
        --it;
    return &*it;
}

bool isSeries(const QCPGraph *graph)
{
    return !graph->property(MarkProperty).toBool() && !graph->name().isEmpty() && graph->visible();
}

// The key of the sample nearest `key` (the series share their keys); false when no data.
bool nearestSampleKey(const QCustomPlot *plot, double key, double &at)
{
    for (int i = 0; i < plot->graphCount(); ++i) {
        const QCPGraph *graph = plot->graph(i);
        if (isSeries(graph) && !graph->data()->isEmpty()) {
            at = nearest(graph, key)->key;
            return true;
        }
    }
    return false;
}

// The most legend entries a row holds in `room` px, filled row by row, each column as wide as
// its widest entry (as QCPLayoutGrid lays them out). At least 1.
int entriesPerRow(const std::vector<int> &widths, int spacing, int room)
{
    const int items = static_cast<int>(widths.size());
    for (int perRow = items; perRow > 1; --perRow) {
        int total = (perRow - 1) * spacing;
        for (int column = 0; column < perRow; ++column) {
            int widest = 0;
            for (int i = column; i < items; i += perRow)
                widest = std::max(widest, widths[static_cast<std::size_t>(i)]);
            total += widest;
        }
        if (total <= room)
            return perRow;
    }
    return 1;
}

// The legend beside the title in the header (row 0), or in a row of its own between the
// header and the axis rect (row 1 of the plot layout, the plot's full width).
void placeLegend(QCustomPlot *plot, QCPLayoutGrid *header, bool ownRow)
{
    QCPLegend *legend = plot->legend;
    QCPLayoutGrid *main = plot->plotLayout();
    const bool inOwnRow = legend->layout() == main;
    if (inOwnRow == ownRow)
        return;
    // Beside the title: tight; in its own row: in line with the title's margin.
    legend->setMargins(ownRow ? QMargins(6, 0, 6, 2) : QMargins(0, 2, 0, 2));
    if (ownRow) {
        header->take(legend);
        header->simplify(); // the legend's empty column goes: the title has the row
        main->insertRow(1);
        main->addElement(1, 0, legend);
        main->setRowStretchFactor(1, 0.001);
    } else {
        main->take(legend);
        main->simplify(); // the legend's empty row goes
        header->addElement(0, 1, legend);
        header->setColumnStretchFactors({0.001, 1});
    }
}

} // namespace

double valueAxisBottom(const QCustomPlot *plot, double top)
{
    const int height = plot->axisRect()->rect().height() > 0 ? plot->axisRect()->rect().height() : plot->height() - 60;
    return -top * MarkStripPixels / std::max(1, height - MarkStripPixels);
}

void fitValueAxis(QCustomPlot *plot, ValueKind kind, double lower, double upper)
{
    const bool log = kind == ValueKind::DurationNs;
    const QCPRange visible(lower, upper);
    double low = INFINITY, high = 0;
    for (int i = 0; i < plot->graphCount(); ++i) {
        const QCPGraph *graph = plot->graph(i);
        if (graph->property(MarkProperty).toBool())
            continue;
        bool found = false;
        const QCPRange range = graph->getValueRange(found, log ? QCP::sdPositive : QCP::sdBoth, visible);
        if (found) {
            low = std::min(low, range.lower);
            high = std::max(high, range.upper);
        }
    }
    if (log) {
        if (!std::isfinite(low) || high <= 0)
            plot->yAxis->setRange(1e3, 1e6); // 1 µs .. 1 ms until there is data
        else
            plot->yAxis->setRange(std::max(1.0, low / 2), high * 2);
    } else {
        const double top = std::max(kind == ValueKind::Rate ? 1.0 : 2.0, high * 1.15);
        plot->yAxis->setRange(valueAxisBottom(plot, top), top);
    }
}

bool legendHasOwnRow(const QCustomPlot *plot) { return plot->legend->layout() == plot->plotLayout(); }

QString runTimeLabel(double seconds) { return unitformat::runTime(seconds); }

QString formatValue(ValueKind kind, double value)
{
    if (!std::isfinite(value))
        return QStringLiteral("–");
    switch (kind) {
    case ValueKind::Count: return unitformat::count(value);
    case ValueKind::Threads: return unitformat::threads(value);
    case ValueKind::Rate: return unitformat::rate(value);
    case ValueKind::DurationNs: return unitformat::durationNs(value);
    }
    return QString::number(value);
}

void setUpPlot(QCustomPlot *plot, const QString &title, ValueKind kind)
{
    plot->setNoAntialiasingOnDrag(true);
    plot->setMouseTracking(true);

    // Title and legend share one row above the plot area: the legend never covers data.
    plot->plotLayout()->insertRow(0);
    auto *header = new QCPLayoutGrid;
    plot->plotLayout()->addElement(0, 0, header);
    plot->plotLayout()->setRowStretchFactor(0, 0.001);
    header->setColumnSpacing(12);
    header->setMargins(QMargins(4, 0, 4, 0));
    QFont titleFont = plot->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() + 1);
    auto *heading = new QCPTextElement(plot, title, titleFont);
    heading->setTextFlags(Qt::AlignLeft | Qt::AlignVCenter); // alone in its row, it stays at the left
    header->addElement(0, 0, heading);
    plot->axisRect()->insetLayout()->take(plot->legend);
    header->addElement(0, 1, plot->legend);
    header->setColumnStretchFactors({0.001, 1});
    plot->legend->setVisible(true);
    plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot->legend->setBorderPen(Qt::NoPen);
    plot->legend->setBrush(Qt::NoBrush);
    plot->legend->setMargins(QMargins(0, 2, 0, 2));
    plot->legend->setRowSpacing(0);
    plot->legend->setColumnSpacing(10);
    plot->legend->setIconSize(16, 10);
    plot->legend->setFont(plot->font());
    plot->legend->setLayer(QStringLiteral("legend"));

    plot->xAxis->setTicker(QSharedPointer<RunTimeTicker>::create());
    plot->xAxis->setLabel(QObject::tr("time since the run started"));
    plot->setProperty(TimeAxisLabelProperty, plot->xAxis->label());
    if (kind == ValueKind::DurationNs) {
        plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
        plot->yAxis->setTicker(QSharedPointer<DurationLogTicker>::create());
    } else {
        plot->yAxis->setTicker(QSharedPointer<ValueTicker>::create(kind));
    }
    const QColor grid(0xe6, 0xe6, 0xe6);
    plot->xAxis->grid()->setPen(QPen(grid, 1));
    plot->yAxis->grid()->setPen(QPen(grid, 1));
    plot->yAxis->grid()->setSubGridVisible(false);

    if (!plot->layer(QLatin1String(HoverLayer))) {
        plot->addLayer(QLatin1String(HoverLayer), plot->layer(QStringLiteral("legend")), QCustomPlot::limAbove);
        plot->layer(QLatin1String(HoverLayer))->setMode(QCPLayer::lmBuffered);
    }
}

void fitToSize(QCustomPlot *plot) { fitToSize(plot, plot->size()); }

void fitToSize(QCustomPlot *plot, QSize size)
{
    // A short plot gives the time axis' label ("time since the run started") to the data:
    // its ticks ("15s", "1m30s") still say what they count.
    const QString timeLabel = size.height() < MinHeightForTimeLabel ? QString() : plot->property(TimeAxisLabelProperty).toString();
    if (plot->xAxis->label() != timeLabel)
        plot->xAxis->setLabel(timeLabel);

    // The axis rect as last laid out, grown or shrunk with the size asked for (an export).
    const QRect area = plot->axisRect()->rect();
    const int width = area.width() > 0 ? area.width() + size.width() - plot->width() : size.width() - 60;
    const int height = area.height() > 0 ? area.height() + size.height() - plot->height() : size.height() - 60;
    plot->xAxis->ticker()->setTickCount(std::max(1, width / PixelsPerTimeTick));
    if (plot->yAxis->scaleType() == QCPAxis::stLinear)
        plot->yAxis->ticker()->setTickCount(std::clamp(height / PixelsPerValueTick, 2, 6));
    const double markCentre = MarkStripPixels / 2.0 / std::max(1, height);
    plot->yAxis2->setRange(-markCentre, 1 - markCentre);
    // A value-axis label longer than the axis is tall would be cut at both ends ("hreads
    // (averag"): left out until the plot grows again (the title and the legend still say it).
    QVariant valueLabel = plot->property(ValueAxisLabelProperty);
    if (!valueLabel.isValid()) { // the caller sets the label after setUpPlot: kept on first fit
        valueLabel = plot->yAxis->label();
        plot->setProperty(ValueAxisLabelProperty, valueLabel);
    }
    const QString fullValueLabel = valueLabel.toString();
    const bool valueLabelFits = QFontMetrics(plot->yAxis->labelFont()).horizontalAdvance(fullValueLabel) + 8 <= height;
    if (plot->yAxis->label() != (valueLabelFits ? fullValueLabel : QString()))
        plot->yAxis->setLabel(valueLabelFits ? fullValueLabel : QString());

    // As many legend entries per row as the width beside the title holds; when that is fewer
    // than MinEntriesBeside (or all of them, if fewer), the legend takes a row of its own
    // under the title, the plot's full width: one or two entries a row beside the title stack
    // into more rows than a short plot has height for, and the layout squeezes them into a
    // garble (Threads and Throughput at 1024 x 700).
    // (itemCount() counts the grid's cells, empty ones too once it wraps.)
    QCPLegend *legend = plot->legend;
    std::vector<int> widths;
    for (int i = 0; i < legend->itemCount(); ++i)
        if (const QCPAbstractLegendItem *item = legend->item(i))
            widths.push_back(item->minimumOuterSizeHint().width());
    auto *header = qobject_cast<QCPLayoutGrid *>(plot->plotLayout()->element(0, 0));
    if (widths.empty() || !header)
        return;
    const int items = static_cast<int>(widths.size());
    const QCPLayoutElement *heading = header->element(0, 0);
    const int titleWidth = heading ? heading->minimumOuterSizeHint().width() : 0;
    const int besideRoom = size.width() - titleWidth - 24; // the header's margins and spacing
    const bool ownRow = entriesPerRow(widths, legend->columnSpacing(), besideRoom) < std::min(items, MinLegendEntriesBeside);
    placeLegend(plot, header, ownRow);
    const int perRow = entriesPerRow(widths, legend->columnSpacing(), ownRow ? size.width() - 16 : besideRoom);
    if (legend->wrap() != perRow) {
        legend->setWrap(perRow);
        legend->setFillOrder(legend->fillOrder(), true); // setWrap alone leaves the items where they are
    }
}

// --- hover ----------------------------------------------------------------------------------

ChartHover::ChartHover(QCustomPlot *plot, ValueKind kind, WallClockAt wallClockAt, Describe describe)
    : QObject(plot), m_plot(plot), m_kind(kind), m_wallClockAt(std::move(wallClockAt)),
      m_describe(std::move(describe)), m_readout(new QLabel(plot)), m_cursor(new QCPItemStraightLine(plot))
{
    m_readout->setObjectName(QStringLiteral("chartReadout"));
    m_readout->setTextFormat(Qt::RichText);
    m_readout->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_readout->setStyleSheet(QStringLiteral("QLabel { background: rgba(255,255,255,235); color: #1a1a1a;"
                                            " border: 1px solid #999; border-radius: 3px; padding: 3px 6px; }"));
    m_readout->hide();
    m_cursor->setLayer(QLatin1String(HoverLayer));
    m_cursor->setPen(QPen(QColor(0x55, 0x55, 0x55), 1, Qt::DashLine));
    m_cursor->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_cursor->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_cursor->point1->setCoords(0, 0);
    m_cursor->point2->setCoords(0, 1);
    m_cursor->setClipToAxisRect(true);
    m_cursor->setVisible(false);
    m_cursor->setSelectable(false);
    plot->installEventFilter(this);
}

QString ChartHover::textAt(double key) const
{
    double at = 0;
    if (!nearestSampleKey(m_plot, key, at))
        return {};
    QString text = QStringLiteral("<b>%1</b>").arg(runTimeLabel(at));
    if (m_wallClockAt)
        if (const std::int64_t wall = m_wallClockAt(at); wall > 0)
            text += QStringLiteral(" &nbsp;·&nbsp; ") + unitformat::wallClock(wall);
    QStringList lines;
    if (m_listGraphs) {
        for (int i = 0; i < m_plot->graphCount(); ++i) {
            const QCPGraph *graph = m_plot->graph(i);
            if (!isSeries(graph))
                continue;
            const QCPGraphData *point = nearest(graph, at);
            const QString colour = graph->pen().color().name();
            lines << QStringLiteral("<span style='color:%1'>■</span> %2: <b>%3</b>")
                         .arg(colour, graph->name().toHtmlEscaped(),
                              point ? formatValue(m_kind, point->value) : QStringLiteral("–"));
        }
    }
    if (m_describe)
        lines += m_describe(at);
    for (const QString &line : std::as_const(lines))
        text += QStringLiteral("<br>") + line;
    return text;
}

bool ChartHover::isShowing() const { return m_readout->isVisible(); }

bool ChartHover::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_plot) {
        switch (event->type()) {
        case QEvent::MouseMove: {
            const auto *move = static_cast<QMouseEvent *>(event);
            if (move->buttons() == Qt::NoButton)
                showAt(move->position().toPoint());
            else
                hide(); // a drag: the readout would only chase the data
            break;
        }
        case QEvent::Leave:
        case QEvent::Wheel:
            hide();
            break;
        default: break;
        }
    }
    return QObject::eventFilter(watched, event);
}

void ChartHover::showAt(const QPoint &pixel)
{
    if (!m_plot->axisRect()->rect().contains(pixel)) {
        hide();
        return;
    }
    const double key = m_plot->xAxis->pixelToCoord(pixel.x());
    const QString text = textAt(key);
    if (text.isEmpty()) {
        hide();
        return;
    }
    m_readout->setText(text);
    m_readout->adjustSize();
    // Beside the pointer, on the side with room, inside the plot.
    int x = pixel.x() + 14;
    if (x + m_readout->width() > m_plot->width())
        x = pixel.x() - 14 - m_readout->width();
    const int y = std::clamp(pixel.y() + 14, 0, std::max(0, m_plot->height() - m_readout->height()));
    m_readout->move(std::max(0, x), y);
    m_readout->show();
    m_readout->raise();
    // The cursor at the sample the readout describes.
    double at = key;
    nearestSampleKey(m_plot, key, at);
    m_cursor->point1->setCoords(at, 0);
    m_cursor->point2->setCoords(at, 1);
    m_cursor->setVisible(true);
    m_plot->layer(QLatin1String(HoverLayer))->replot();
}

void ChartHover::hide()
{
    if (!m_readout->isVisible() && !m_cursor->visible())
        return;
    m_readout->hide();
    m_cursor->setVisible(false);
    m_plot->layer(QLatin1String(HoverLayer))->replot();
}

// --- marks on the time axis -----------------------------------------------------------------

TimeMarks::TimeMarks(QCustomPlot *plot, const QString &name, const QColor &colour)
    : QObject(plot), m_plot(plot), m_marks(plot->addGraph(plot->xAxis, plot->yAxis2)), m_colour(colour)
{
    // On the hidden right axis, 0..1 over the plot's height (fitToSize shifts it so that 0 is
    // the middle of the strip under the value axis' zero): the marks sit on the time axis
    // whatever the value axis shows (log scale included).
    plot->yAxis2->setRange(0, 1);
    m_marks->setName(name);
    m_marks->setProperty(MarkProperty, true);
    m_marks->setLineStyle(QCPGraph::lsNone);
    // Translucent: where every interval has one, the strip reads as a band, not a red bar.
    QColor translucent = colour;
    translucent.setAlpha(150);
    m_marks->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssTriangle, translucent, translucent, 7));
    m_marks->setPen(QPen(colour, 1));
    m_marks->removeFromLegend();
    m_marks->setSelectable(QCP::stNone);
}

void TimeMarks::add(double key) { m_marks->addData(key, 0); } // 0: the strip's middle (see fitToSize)

void TimeMarks::addLabelled(double key, const QString &text)
{
    auto *line = new QCPItemStraightLine(m_plot);
    line->point1->setAxes(m_plot->xAxis, m_plot->yAxis2);
    line->point2->setAxes(m_plot->xAxis, m_plot->yAxis2);
    line->point1->setCoords(key, 0);
    line->point2->setCoords(key, 1);
    line->setPen(QPen(m_colour, 1, Qt::DashLine));
    line->setSelectable(false);
    auto *label = new QCPItemText(m_plot);
    label->position->setAxes(m_plot->xAxis, m_plot->yAxis2);
    label->position->setCoords(key, 0.98);
    label->setPositionAlignment(Qt::AlignTop | Qt::AlignLeft);
    label->setText(text);
    label->setColor(m_colour);
    label->setClipToAxisRect(true);
    label->setSelectable(false);
    m_labelled.append({key, line, label});
}

void TimeMarks::removeBefore(double key)
{
    m_marks->data()->removeBefore(key);
    while (!m_labelled.isEmpty() && m_labelled.front().key < key) {
        m_plot->removeItem(m_labelled.front().line);
        m_plot->removeItem(m_labelled.front().text);
        m_labelled.removeFirst();
    }
}

void TimeMarks::clear()
{
    m_marks->data()->clear();
    for (const Labelled &mark : std::as_const(m_labelled)) {
        m_plot->removeItem(mark.line);
        m_plot->removeItem(mark.text);
    }
    m_labelled.clear();
}

int TimeMarks::count() const { return m_marks->dataCount(); }

} // namespace charts
