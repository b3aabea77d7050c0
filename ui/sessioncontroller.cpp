#include "sessioncontroller.h"

#include <QCoreApplication>
#include <QLocale>

#include <algorithm>
#include <utility>

using namespace poolscope;

namespace {
QString count(std::uint64_t value) { return QLocale().toString(static_cast<qulonglong>(value)); }
} // namespace

SessionSettings toSessionSettings(const ControlState &state)
{
    // A negative count becomes a huge one, which validate() then names with its range.
    return {static_cast<unsigned>(state.workers), static_cast<unsigned>(state.concurrency), state.policy, state.load,
            state.io};
}

ControlState toControlState(const SessionSettings &settings)
{
    ControlState state;
    state.workers = static_cast<int>(settings.workers);
    state.concurrency = static_cast<int>(settings.concurrency);
    state.policy = settings.policy;
    state.load = settings.load;
    state.io = settings.io;
    return state;
}

QString describeDrain(const QString &what, const ShutdownResult &result, const PoolSnapshot &after)
{
    QString summary = QCoreApplication::translate("SessionController", "%1: %2 drained, %3 cancelled in %4 ms")
                          .arg(what, count(result.drained), count(result.cancelled))
                          .arg(std::chrono::duration_cast<std::chrono::milliseconds>(result.elapsed).count());
    if (result.io.outstandingAtStart + result.io.completed + result.io.failed + result.io.cancelled > 0)
        summary += QCoreApplication::translate("SessionController", "; I/O: %1 outstanding, %2 completed, %3 cancelled")
                       .arg(count(result.io.outstandingAtStart), count(result.io.completed + result.io.failed),
                            count(result.io.cancelled));
    if (result.deadlineMissed)
        summary += QCoreApplication::translate("SessionController", "; deadline missed: %1 queued, %2 running on %3 threads")
                       .arg(count(after.queued), count(after.inFlight))
                       .arg(result.workersStillAlive);
    return summary;
}

bool unitsDiffer(const LoadSettings &before, const LoadSettings &after)
{
    return before.costDistribution != after.costDistribution || before.meanCost != after.meanCost ||
           before.blockingShare != after.blockingShare || before.blockingTime != after.blockingTime ||
           before.exceptionProbability != after.exceptionProbability || before.exceptionType != after.exceptionType;
}

SessionController::SessionController(PoolSession &session, QObject *parent) : QObject(parent), m_session(session)
{
    m_timer.setTimerType(Qt::PreciseTimer);
    setRefreshRate(30);
    connect(&m_timer, &QTimer::timeout, this, &SessionController::refresh);
}

SessionController::~SessionController() = default;

void SessionController::setRefreshRate(double hz)
{
    hz = std::clamp(hz, 1.0, 120.0);
    m_timer.setInterval(static_cast<int>(1000.0 / hz));
}

double SessionController::refreshRate() const { return 1000.0 / std::max(1, m_timer.interval()); }
void SessionController::startRefreshing() { m_timer.start(); }
void SessionController::stopRefreshing() { m_timer.stop(); }

bool SessionController::latencySinceStart(LatencySummary &queueWait, LatencySummary &serviceTime) const
{
    return m_session.latencySinceStart(queueWait, serviceTime);
}

MetricsView SessionController::metrics() const
{
    MetricsView view = m_session.metrics();
    view.alerts = m_watch.alertStates();
    return view;
}

ControlState SessionController::settings() const { return toControlState(m_session.settings()); }

RunReport SessionController::captureReport(std::size_t historySamples) const
{
    RunReport report = captureRunReport(m_session, {QCoreApplication::applicationVersion().toStdString(), historySamples});
    report.watch = m_watch.report();
    return report;
}

bool SessionController::isReadyToQuit() const
{
    return !m_draining && m_session.status().phase == RunPhase::Stopped;
}

void SessionController::refresh()
{
    m_samples.clear();
    m_lastSequence = m_session.samplesSince(m_lastSequence, m_samples);
    if (!m_samples.empty()) {
        m_completionRate = m_samples.back().completionsPerSecond;
        emit samplesArrived(m_samples);
        SessionWatch::Events events; // auto-size decisions are applied in here, through the session's apply()
        m_watch.observe(m_samples, events);
        if (!events.empty())
            emit watchEvents(events);
    }

    m_reports.clear();
    m_session.takeExceptionReports(m_reports, MaxReportsPerTick);
    if (!m_reports.empty())
        emit exceptionsReported(m_reports);

    const SessionStatus status = m_session.status();
    if (!m_failureShown && status.pool.state == PoolState::Failed) {
        if (const std::exception_ptr failure = m_session.failFastException()) {
            m_failureShown = true;
            std::string type, message;
            try {
                std::rethrow_exception(failure); // only the GUI thread reads the exception itself
            } catch (...) {
                describeCurrentException(type, message);
            }
            // The pool stopped accepting and cancelled its queue; its threads are joined off
            // this thread, since a running unit may take its time.
            if (!m_draining && status.phase == RunPhase::Running) {
                m_session.beginShutdown();
                startDrain(DrainReason::FailFast);
            }
            emit poolFailed(QString::fromStdString(type), QString::fromStdString(message), status.pool.cancelled);
        }
    }
    emit statusChanged(status);
}

bool SessionController::apply(const ControlState &state)
{
    std::string error;
    const LoadSettings before = m_session.settings().load;
    if (m_session.apply(toSessionSettings(state), error)) {
        const SessionStatus status = m_session.status();
        if (status.phase == RunPhase::Running && status.pool.queued > 0 && unitsDiffer(before, state.load))
            emit queuedUnitsOutdated(status.pool.queued);
        return true;
    }
    emit errorOccurred(tr("The settings were not applied."), QString::fromStdString(error));
    return false;
}

void SessionController::toggleLoad()
{
    const SessionStatus status = m_session.status();
    if (m_draining || status.phase != RunPhase::Running || status.pool.state != PoolState::Running)
        return;
    if (status.load == LoadState::Running)
        m_session.pauseLoad();
    else
        m_session.startLoad();
    emit statusChanged(m_session.status());
}

void SessionController::stopLoad()
{
    m_session.stopLoad();
    emit statusChanged(m_session.status());
}

void SessionController::resetPeaks()
{
    m_session.resetPeaks();
    refresh();
}

void SessionController::shutdown(bool graceful)
{
    if (m_draining || m_session.status().phase != RunPhase::Running)
        return;
    m_session.beginShutdown(); // stops the load: milliseconds
    startDrain(graceful ? DrainReason::GracefulShutdown : DrainReason::FastShutdown);
}

void SessionController::startDrain(DrainReason reason)
{
    const ShutdownMode mode = reason == DrainReason::GracefulShutdown ? ShutdownMode::Graceful : ShutdownMode::Fast;
    m_draining = true;
    emit drainStarted(mode == ShutdownMode::Graceful);
    PoolSession &session = m_session;
    m_jobs.startJob([&session, mode] { return session.drain(mode, DrainDeadline); },
                    [this, reason](const ShutdownResult &result) { onDrained(reason, result); });
    emit statusChanged(m_session.status());
}

void SessionController::onDrained(DrainReason reason, const ShutdownResult &result)
{
    m_draining = false;
    refresh();
    QString what;
    switch (reason) {
    case DrainReason::GracefulShutdown: what = tr("Graceful shutdown"); break;
    case DrainReason::FastShutdown: what = tr("Fast shutdown"); break;
    case DrainReason::FailFast: what = tr("Fail fast stopped the pool"); break;
    case DrainReason::Restart: what = tr("Stopped for the restart"); break;
    case DrainReason::Quit: what = tr("Stopped to quit"); break;
    }
    emit drainFinished(describeDrain(what, result, m_session.status().pool));
    if (m_quitWhenDrained) {
        emit readyToQuit();
        return;
    }
    if (m_restartWhenDrained)
        restartNow();
}

void SessionController::cancelDrain()
{
    if (m_draining)
        cancelQueuedOffThisThread();
}

void SessionController::cancelQueuedOffThisThread()
{
    // Destroying a million queued units takes a while: not on the GUI thread.
    PoolSession &session = m_session;
    m_jobs.startJob(
        [&session] {
            session.cancelQueued();
            return true;
        },
        [this](bool) { refresh(); });
}

void SessionController::restart()
{
    if (m_quitWhenDrained)
        return;
    const RunPhase phase = m_session.status().phase;
    if (m_draining || phase != RunPhase::Stopped) {
        m_restartWhenDrained = true; // when the drain in progress (or the fast one begun here) ends
        if (!m_draining) {
            m_session.beginShutdown();
            startDrain(DrainReason::Restart);
        }
        return;
    }
    restartNow();
}

void SessionController::restartKeepingLoad()
{
    if (m_quitWhenDrained)
        return;
    m_resumeLoadAfterRestart = m_session.status().load == LoadState::Running;
    restart();
}

void SessionController::restartNow()
{
    m_restartWhenDrained = false;
    try {
        m_session.restart(QCoreApplication::applicationVersion().toStdString());
    } catch (const std::exception &error) {
        m_resumeLoadAfterRestart = false;
        emit errorOccurred(tr("The pool was not restarted."), QString::fromUtf8(error.what()));
        return;
    }
    m_failureShown = false;
    m_completionRate = 0;
    m_watch.startNewRun();
    if (std::exchange(m_resumeLoadAfterRestart, false))
        m_session.startLoad();
    // A pool whose threads outlived their drain is let go of here, off this thread.
    PoolSession &session = m_session;
    m_jobs.startJob(
        [&session] {
            session.releaseRetiredPools();
            return true;
        },
        [](bool) {});
    emit runStarted(m_session.run().number);
    refresh();
}

void SessionController::prepareQuit()
{
    m_quitWhenDrained = true;
    m_restartWhenDrained = false;
    if (m_draining) {
        cancelQueuedOffThisThread();
        return;
    }
    if (m_session.status().phase == RunPhase::Stopped) {
        emit readyToQuit();
        return;
    }
    m_session.beginShutdown();
    startDrain(DrainReason::Quit);
}
