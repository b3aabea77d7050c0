#pragma once
// The pieces every Poolscope chart is made of, so that all charts (the four in ChartsPanel,
// the I/O chart, a saved run's) look and read alike. Built on QCustomPlot; this header does
// not include qcustomplot.h (it costs 10-15 s of compile per file), the .cpp does.
//
//   charts::setUpPlot(plot, tr("Queue depth"), charts::ValueKind::Count);
//       a bold title and a legend row above the plot area (the legend never covers data), a
//       run-time x axis ("1m30s", never a clock), a value axis in the kind's units (integer
//       ticks for counts, k/M, µs/ms/s on a log axis), 1 px grid, mouse tracking for hover.
//   charts::fitToSize(plot);       before each replot: as many time ticks as the axis width
//                                  holds, the legend wrapped to the width. Cheap.
//   new charts::ChartHover(plot, kind, wallClockAt, describe);
//       a readout that follows the mouse: run time, wall clock, every series' value (or the
//       lines `describe` gives), and a vertical cursor line.
//   auto *marks = new charts::TimeMarks(plot, tr("exceptions"), colour);
//       marks.add(key) for frequent events (small triangles on the time axis, in a strip
//       under the value axis' zero: give a linear axis charts::valueAxisBottom(plot, top));
//       marks.addLabelled(key, text) for rare ones (a labelled vertical line: alerts,
//       auto-size decisions).
//   charts::formatValue(kind, value)  the same text the axis and the readout use (unitformat).
//
// Everything here lives on the GUI thread, like the plots it draws on.

#include <QColor>
#include <QSize>
#include <QObject>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <functional>

class QCustomPlot;
class QCPGraph;
class QLabel;
class QCPItemStraightLine;
class QCPAbstractItem;

namespace charts {

// What a value axis counts; decides its ticks and how values read.
enum class ValueKind {
    Count,      // units: integer ticks, k/M from a thousand on
    Threads,    // integer ticks; readouts keep one decimal (averages)
    Rate,       // per second: k/M, "/s" in readouts
    DurationNs, // nanoseconds on a log axis: ns/µs/ms/s
};

QString formatValue(ValueKind kind, double value);

// A plot set up as described above. The graphs are added by the caller; their names go into
// the legend row. Call once, on a fresh plot.
void setUpPlot(QCustomPlot *plot, const QString &title, ValueKind kind);

// Fits ticks and legend to the plot's current size. Call before replot (cheap). The legend
// sits beside the title while three entries (or all, if fewer) fit there, else in a row of
// its own under the title, the plot's full width; value axes keep at least two whole ticks.
void fitToSize(QCustomPlot *plot);
// The same for the plot drawn at `size` (an export with toPainter): fit, draw, then fit back
// with fitToSize(plot).
void fitToSize(QCustomPlot *plot, QSize size);
bool legendHasOwnRow(const QCustomPlot *plot); // where fitToSize put the legend (for tests)

// The lower end for a linear value axis that shows 0..top: a strip of a few pixels under the
// zero, where TimeMarks draws its triangles, so that a mark never covers a value at or near
// zero (a queue of 0, a rate of 0). No tick falls in it.
double valueAxisBottom(const QCustomPlot *plot, double top);

// The value axis fitted to the series' data between run times `lower` and `upper` (marks
// aside): 0 (and the marks' strip) up to 15 % over the highest value on a linear axis, half
// the lowest to twice the highest on a log one (1 µs .. 1 ms while there is no data).
void fitValueAxis(QCustomPlot *plot, ValueKind kind, double lower, double upper);

// The text of a time tick and of the readout's first line: "1m30s" since the run started.
QString runTimeLabel(double seconds);

// The hover readout of one plot. Parented to the plot. GUI thread only.
class ChartHover : public QObject {
    Q_OBJECT

public:
    // Unix ms of the sample at run time `key`, or 0 when unknown (the readout then shows
    // the run time only).
    using WallClockAt = std::function<std::int64_t(double key)>;
    // More lines for the sample nearest `key`, after the graphs' values: what the chart has
    // to say beyond them (exceptions in the interval, instantaneous counts).
    using Describe = std::function<QStringList(double key)>;

    ChartHover(QCustomPlot *plot, ValueKind kind, WallClockAt wallClockAt = {}, Describe describe = {});

    // false: the readout lists only the lines of `describe` (for stacked bands, whose
    // graphs hold sums); true (default): every graph's value, then those lines.
    void setListGraphs(bool list) { m_listGraphs = list; }

    // The readout for run time `key` (what hovering there shows). Empty when no data.
    QString textAt(double key) const;
    bool isShowing() const;

private:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void showAt(const QPoint &pixel);
    void hide();

    QCustomPlot *m_plot;
    ValueKind m_kind;
    WallClockAt m_wallClockAt;
    Describe m_describe;
    bool m_listGraphs = true;
    QLabel *m_readout;
    QCPItemStraightLine *m_cursor;
};

// Events marked on a plot's time axis. Parented to the plot. GUI thread only.
class TimeMarks : public QObject {
    Q_OBJECT

public:
    TimeMarks(QCustomPlot *plot, const QString &name, const QColor &colour);

    // A frequent event (an exception in a sample interval): a small triangle on the time axis.
    void add(double key);
    // A rare event: a dashed vertical line with `text` at its top (an alert, an auto-size
    // decision). Its tooltip in the readout is up to the caller.
    void addLabelled(double key, const QString &text);
    void removeBefore(double key); // with the chart's data
    void clear();
    int count() const;             // frequent marks kept (for tests)

private:
    QCustomPlot *m_plot;
    QCPGraph *m_marks;
    QColor m_colour;
    struct Labelled {
        double key;
        QCPAbstractItem *line, *text;
    };
    QList<Labelled> m_labelled;
};

} // namespace charts
