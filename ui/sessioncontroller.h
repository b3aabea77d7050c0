#pragma once

#include "controlstate.h"
#include "jobtracker.h"
#include "poolsession.h"
#include "runreport.h"
#include "sessionwatch.h"

#include <QObject>
#include <QString>
#include <QTimer>

#include <chrono>
#include <memory>
#include <vector>

// The GUI's one door to the PoolSession (it replaces PoolMonitor): the refresh timer that
// polls the run (poll, not a signal per unit: the GUI must not pace the pool), the verbs the
// window's controls call, fail fast, the run's identity, and errors as a signal.
//
// Nothing it does on the GUI thread waits for pool threads: a shutdown, a drain, a restart
// and a quit hand the waiting to its JobTracker, and the result comes back as a queued call.
// Restart during a drain waits for the drain (or for cancelDrain()); restart of a running
// pool cancels what is queued first.
//
// Threading: a QObject of the GUI thread, like the session it drives; every method is for
// that thread.
class SessionController : public QObject {
    Q_OBJECT

public:
    // A flood must not stall a frame: the rest wait in the pool's bounded queue or are dropped
    // there, counted, which the exception log shows.
    static constexpr std::size_t MaxReportsPerTick = 1000;
    static constexpr std::chrono::seconds DrainDeadline{30};

    explicit SessionController(poolscope::PoolSession &session, QObject *parent = nullptr);
    ~SessionController() override;

    void setRefreshRate(double hz); // 1..120, default 30
    double refreshRate() const;
    void startRefreshing();
    void stopRefreshing();
    // Polls now instead of waiting for the timer (after a control change, and for tests).
    void refresh();

    // Reads, as plain values.
    poolscope::SessionStatus status() const { return m_session.status(); }
    ControlState settings() const;
    bool latencySinceStart(poolscope::LatencySummary &queueWait, poolscope::LatencySummary &serviceTime) const;
    poolscope::MetricsView metrics() const; // the run's, with the alert rules' states
    // The current run as a report, with the newest `historySamples` samples.
    poolscope::RunReport captureReport(std::size_t historySamples = SIZE_MAX) const;
    std::shared_ptr<const poolscope::RunReport> previousRun() const { return m_session.previousRun(); }
    bool isDraining() const noexcept { return m_draining; }
    bool isRestartPending() const noexcept { return m_restartWhenDrained; }
    bool isQuitPending() const noexcept { return m_quitWhenDrained; }
    // True once the run is stopped and nothing is left to wait for: closing costs no wait.
    bool isReadyToQuit() const;
    // The auto-sizer and the alert rules, fed with each batch of samples in refresh().
    poolscope::SessionWatch &watch() noexcept { return m_watch; }
    // Completions per second of the newest sample (for a drain's progress).
    double completionRate() const noexcept { return m_completionRate; }

public slots:
    // All or nothing: applied, or errorOccurred() says why and nothing changed.
    bool apply(const ControlState &state);
    void toggleLoad();
    void stopLoad();
    void resetPeaks();
    void shutdown(bool graceful);
    void cancelDrain();  // a graceful drain becomes a fast one: the rest is cancelled
    void restart();      // see the class comment
    // Restart (cancelling what is queued) and, when the load was running, start it again in
    // the new run: "drop the backlog made with the old settings and go on with the new ones".
    void restartKeepingLoad();
    void prepareQuit();  // cancels what is queued, drains, then emits readyToQuit()

signals:
    // `samples` are the run's new ones since the last emission, oldest first.
    void samplesArrived(const std::vector<poolscope::Sample> &samples);
    // What the watch did with those samples: auto-size decisions (already applied) and alerts.
    void watchEvents(const poolscope::SessionWatch::Events &events);
    void exceptionsReported(const std::vector<poolscope::ExceptionReport> &reports);
    void statusChanged(const poolscope::SessionStatus &status);
    // Fail fast tripped: the first exception described for a person, and what was cancelled.
    void poolFailed(const QString &typeName, const QString &message, quint64 cancelled);
    void drainStarted(bool graceful);
    void drainFinished(const QString &summary);
    // apply() changed what new units do (cost, blocking, exceptions) while `queued` units made
    // with the old settings still wait: they run first, as they were made.
    void queuedUnitsOutdated(quint64 queued);
    void runStarted(quint64 number);
    void readyToQuit();
    void errorOccurred(const QString &what, const QString &detail);

private:
    // Why a drain runs, for the line that reports it: a fail-fast stop is not a "Fast
    // shutdown" the user asked for.
    enum class DrainReason { GracefulShutdown, FastShutdown, FailFast, Restart, Quit };
    void startDrain(DrainReason reason);
    void onDrained(DrainReason reason, const poolscope::ShutdownResult &result);
    void restartNow();
    void cancelQueuedOffThisThread();

    poolscope::PoolSession &m_session;
    JobTracker m_jobs{this};
    QTimer m_timer;
    std::uint64_t m_lastSequence = 0;
    double m_completionRate = 0;
    bool m_failureShown = false;
    bool m_draining = false;
    bool m_restartWhenDrained = false;
    bool m_quitWhenDrained = false;
    bool m_resumeLoadAfterRestart = false;
    std::vector<poolscope::Sample> m_samples;
    poolscope::SessionWatch m_watch{m_session};
    std::vector<poolscope::ExceptionReport> m_reports;
};

// "Graceful shutdown: 1,000 drained, 0 cancelled in 12 ms; deadline missed: 774,483 queued,
// 16 running", after `what` ("Graceful shutdown", "Fail fast", ...). Pure function: any thread.
QString describeDrain(const QString &what, const poolscope::ShutdownResult &result, const poolscope::PoolSnapshot &after);

// True when units made with `after` differ from units made with `before` (their cost,
// blocking or exceptions); the pace of posting does not count. Pure function: any thread.
bool unitsDiffer(const poolscope::LoadSettings &before, const poolscope::LoadSettings &after);

// ControlState <-> SessionSettings: the controls' int fields are the session's unsigned ones.
poolscope::SessionSettings toSessionSettings(const ControlState &state);
ControlState toControlState(const poolscope::SessionSettings &settings);
