#pragma once

#include "runtimebase.h"
#include "sampler.h"

#include <QPoint>
#include <QWidget>

#include <deque>
#include <vector>

class QCPPainter;
class QCustomPlot;
class QIODevice;
class QComboBox;
class QFrame;
class QLabel;
namespace charts {
class TimeMarks;
}

// The live charts: queue depth; threads as time-weighted averages stacked running / blocked /
// idle, with the target and the concurrency limit as lines and running above the limit
// shaded; completions, failures and posts per second; latency percentiles (log scale).
// One time base: time since the run started on the axes, the wall clock in the hover
// readout. Exceptions and fired alerts are marked on every time axis, auto-size decisions on
// the Threads chart's. The window (30 s, 5 min, 1 h) follows the present until the user
// drags (scroll back) or turns the wheel (zoom): then the charts pause, a banner says so,
// and "Follow live" resumes. A plain click never pauses.
// Built from charthelpers (legend row, unit ticks, hover, marks). Fed by
// SessionController::samplesArrived; replots at most once per batch. GUI thread only.
class ChartsPanel : public QWidget {
    Q_OBJECT

public:
    explicit ChartsPanel(QWidget *parent = nullptr);
    ~ChartsPanel() override;

    static constexpr double KeptSeconds = 3600; // history the charts hold, the longest window

    void appendSamples(const std::vector<poolscope::Sample> &samples);
    // A new run began: the charts start empty, their time axis at the run's first sample.
    void startNewRun();
    // 30, 300 or 3600 from the selector; any > 0 works; 0 = the whole run (a saved run's only).
    void setWindowSeconds(double seconds);
    double windowSeconds() const { return m_window; }
    QString windowText() const; // what the selector says ("30 s", "Whole run")
    void setFollowing(bool following);     // false: paused, the x range stays where the user puts it
    bool isFollowing() const { return m_following; }

    // A saved run: no "follow live" (there is no present); the selector gains "Whole run",
    // chosen first, and its other windows show the run's end.
    void showSavedRun();

    // Events of the session's watch, at `runSeconds` on the axes' time base (seconds since the
    // run's first sample, as the exception marks): a labelled line that scrolls with the data.
    void markDecision(double runSeconds, const QString &text); // an auto-size decision, on the Threads chart
    void markAlert(double runSeconds, const QString &text);    // a fired alert, on every chart

    // The four charts in their 2 x 2 grid, on white, at `size` pixels, under a one-line
    // `caption` (what was run, and when) unless it is empty: the PNG export.
    QImage renderImage(QSize size, const QString &caption = {}) const;
    // The same as one vector PDF page of `size` points, written to `device`.
    bool writePdf(QIODevice *device, QSize size, const QString &caption, QString &error) const;

    // For tests and for charts that join the panel's look.
    enum ChartIndex { QueueChart, ThreadsChart, ThroughputChart, LatencyChart };
    int pointCount() const;                // points in the queue-depth chart
    std::vector<QCustomPlot *> plots() const;
    QString hoverTextAt(ChartIndex chart, double runSeconds) const; // what hovering there reads
    int exceptionMarkCount() const;        // intervals marked as having exceptions
    bool isPausedBannerVisible() const;

signals:
    void windowChanged(double seconds);

private:
    struct Chart;
    // What the hover readout needs beyond the graphs: the wall clock and the instantaneous
    // thread counts of each sample, kept as long as the charts keep their data.
    struct Moment {
        double key = 0;
        std::int64_t wallTimeMs = 0;
        std::uint32_t running = 0, blocked = 0, idle = 0, live = 0, target = 0, limit = 0;
        double averageRunning = 0, averageBlocked = 0, averageIdle = 0, utilisation = 0;
        std::uint64_t newFailures = 0;
        bool timed = false;
    };

    bool eventFilter(QObject *watched, QEvent *event) override;
    const Moment *momentAt(double key) const;
    QStringList describeThreads(double key) const;
    QStringList describeExceptions(double key) const;
    void replot();
    void followPresent();
    void setSharedRange(double lower, double upper);
    void fitValueAxes();
    void paintGrid(QCPPainter &painter, QSize size, const QString &caption) const;

    std::vector<Chart *> m_charts;
    charts::TimeMarks *m_decisions = nullptr; // on the Threads chart
    std::deque<Moment> m_moments;
    QComboBox *m_windowSelector;
    QFrame *m_pausedBanner;
    QLabel *m_hint;
    double m_window = 30;
    bool m_following = true;
    bool m_savedRun = false;
    bool m_settingRange = false;
    RunTimeBase m_time; // the charts' "seconds since the run started"
    double m_latestKey = 0;
    std::uint64_t m_lastFailed = 0;
    // A press on a plot becomes a drag (and pauses) only once it moves past the drag distance.
    QCustomPlot *m_pressedPlot = nullptr;
    QPoint m_pressAt;
    double m_pressLower = 0, m_pressUpper = 0;
    bool m_dragging = false;
};
