#pragma once

#include "sampler.h"

#include <QWidget>

#include <array>
#include <vector>

class QCPPainter;
class QCustomPlot;
class QIODevice;
class QCPGraph;
class QComboBox;
class QPushButton;
class QLabel;

// The live charts: queue depth; threads stacked as running / blocked / idle with target and
// concurrency limit as lines; completions, failures and posts per second; latency
// percentiles (log scale). One time axis for all four, a window of 30 s, 5 min or 1 h that
// follows the present, or is paused to scroll back (drag) and zoom (wheel).
// Fed by SessionController::samplesArrived; replots at most once per batch. GUI thread only.
class ChartsPanel : public QWidget {
    Q_OBJECT

public:
    explicit ChartsPanel(QWidget *parent = nullptr);
    ~ChartsPanel() override;

    static constexpr double KeptSeconds = 3600; // history the charts hold, the longest window

    void appendSamples(const std::vector<poolscope::Sample> &samples);
    // A new run began: the charts start empty, their time axis at the run's first sample.
    void startNewRun();
    void setWindowSeconds(double seconds); // 30, 300 or 3600 from the selector; any > 0 works
    double windowSeconds() const { return m_window; }
    void setFollowing(bool following);     // false: paused, the x range stays where the user puts it
    bool isFollowing() const { return m_following; }

    // A saved run: the whole history in view, and no "follow live" (there is no present).
    void showSavedRun();

    // The four charts in their 2 x 2 grid, on white, at `size` pixels, under a one-line
    // `caption` (what was run, and when) unless it is empty: the PNG export.
    QImage renderImage(QSize size, const QString &caption = {}) const;
    // The same as one vector PDF page of `size` points, written to `device`.
    bool writePdf(QIODevice *device, QSize size, const QString &caption, QString &error) const;

    int pointCount() const;                // points in the queue-depth chart (for tests)
    std::vector<QCustomPlot *> plots() const;

signals:
    void windowChanged(double seconds);

private:
    struct Chart;
    void replot();
    void followPresent();
    void setSharedRange(double lower, double upper);
    void fitValueAxes();
    void paintGrid(QCPPainter &painter, QSize size, const QString &caption) const;

    std::vector<Chart *> m_charts;
    QComboBox *m_windowSelector;
    QPushButton *m_followButton;
    QLabel *m_hint;
    double m_window = 30;
    bool m_following = true;
    bool m_settingRange = false;
    double m_origin = -1;  // steady-clock seconds of the first sample
    double m_latestKey = 0;
};
