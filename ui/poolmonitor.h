#pragma once

#include "exceptionreport.h"
#include "sampler.h"

#include <QObject>
#include <QTimer>

#include <vector>

namespace poolscope {
class PoolSession;
}

// The one bridge from the pool to Qt. On a GUI-thread timer (poll, not a signal per unit:
// the GUI must not pace the pool) it fetches the samples taken since the last tick, drains
// the exception reports, and notices fail fast. Views listen to its signals.
// GUI thread only.
class PoolMonitor : public QObject {
    Q_OBJECT

public:
    // A flood must not stall a frame: the rest wait in the pool's bounded queue or are dropped
    // there, counted, which the exception log shows.
    static constexpr std::size_t MaxReportsPerTick = 1000;

    explicit PoolMonitor(poolscope::PoolSession &session, QObject *parent = nullptr);

    void setRefreshRate(double hz); // 1..120, default 30
    double refreshRate() const;
    void start();
    void stop();

    // The latest sample (empty before the first one).
    const poolscope::Sample &latest() const { return m_latest; }
    bool hasSample() const { return m_hasSample; }

    // Polls now instead of waiting for the timer (tests, and right after a control change).
    void refresh();
    // A new pool replaced the old one: fail fast may be reported again.
    void poolRestarted();

signals:
    // `samples` are the ones new since the last emission, oldest first.
    void samplesArrived(const std::vector<poolscope::Sample> &samples);
    void exceptionsReported(const std::vector<poolscope::ExceptionReport> &reports);
    // Fail fast tripped: the first exception, described for a person.
    void poolFailed(const QString &typeName, const QString &message);

private:
    poolscope::PoolSession &m_session;
    QTimer m_timer;
    std::uint64_t m_lastSequence = 0;
    poolscope::Sample m_latest;
    bool m_hasSample = false;
    bool m_failureShown = false;
    std::vector<poolscope::Sample> m_samples;
    std::vector<poolscope::ExceptionReport> m_reports;
};
