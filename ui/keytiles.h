#pragma once

#include "runtimebase.h"
#include "sampler.h"

#include <QWidget>

#include <array>
#include <cstdint>
#include <deque>
#include <vector>

// One big number with its name, a line of context under it, and a sparkline of its recent
// past: readable from across a desk. Paints itself (no child widgets), so a row of them costs
// one paint each per sample batch. GUI thread only.
class KeyTile : public QWidget {
    Q_OBJECT

public:
    KeyTile(const QString &title, const QColor &accent, QWidget *parent = nullptr);

    // The value in big type, the line under it, and an optional highlight (a value that
    // needs attention: failures, running above the limit).
    void show(const QString &value, const QString &detail, bool alarming = false);
    // One point of the sparkline at `seconds` (run time); points older than the span drop out.
    // `reference` > 0 draws a dashed level (the concurrency limit on the threads tile).
    void addPoint(double seconds, double value, double reference = 0);
    void clear();

    QString valueText() const { return m_value; }
    QString detailText() const { return m_detail; }
    bool isAlarming() const { return m_alarming; }
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

    static constexpr double SparklineSeconds = 60;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    struct Point {
        double seconds, value, reference;
    };
    QString m_title, m_value, m_detail;
    QColor m_accent;
    bool m_alarming = false;
    std::deque<Point> m_points;
};

// The key numbers first: queue depth, running / live threads against the concurrency limit,
// completions/s and failures/s, each with a 60 s sparkline and its peak. Fed by
// SessionController::samplesArrived like the charts. GUI thread only.
class KeyTiles : public QWidget {
    Q_OBJECT

public:
    enum Tile { QueueDepth, Threads, Completions, Failures, TileCount };

    explicit KeyTiles(QWidget *parent = nullptr);

    void appendSamples(const std::vector<poolscope::Sample> &samples);
    void startNewRun(); // a new run: empty sparklines, peaks start again

    KeyTile *tile(Tile which) const { return m_tiles[static_cast<std::size_t>(which)]; }

    // Running threads against the concurrency limit, as the Threads tile judges them.
    // The port releases a waiter only while fewer than `limit` threads run; a unit that
    // blocks (BlockingScope) stops counting, the port releases another in its place, and
    // when the first comes back both run for a while (DESIGN.md section 2). So running
    // above the limit is normal while units block; it breaks the limit only when blocking
    // cannot explain it: running - blocked > limit (averages over the same interval).
    struct LimitVerdict {
        bool broken = false; // the tile turns red
        QString why;         // a sentence for the tooltip; empty when running <= limit
    };
    static LimitVerdict judgeRunning(double running, double blocked, std::uint32_t limit);

private:
    void showLatest(const poolscope::Sample &sample);
    double peakOf(Tile which) const;

    std::array<KeyTile *, TileCount> m_tiles{};
    // The last minute of each tile's series, for the rates' peaks (the pool keeps its own
    // peaks of queued and running, since the start or a reset).
    std::array<std::deque<std::pair<double, double>>, TileCount> m_recent;
    RunTimeBase m_time; // the charts' "seconds since the run started"
    QString m_threadsTip;  // the Threads tile's tooltip; judgeRunning's reason is added to it
};
