#include "poolmonitor.h"

#include "poolsession.h"

PoolMonitor::PoolMonitor(poolscope::PoolSession &session, QObject *parent) : QObject(parent), m_session(session)
{
    m_timer.setTimerType(Qt::PreciseTimer);
    setRefreshRate(30);
    connect(&m_timer, &QTimer::timeout, this, &PoolMonitor::refresh);
}

void PoolMonitor::setRefreshRate(double hz)
{
    hz = std::clamp(hz, 1.0, 120.0);
    m_timer.setInterval(static_cast<int>(1000.0 / hz));
}

double PoolMonitor::refreshRate() const { return 1000.0 / std::max(1, m_timer.interval()); }

void PoolMonitor::start() { m_timer.start(); }
void PoolMonitor::stop() { m_timer.stop(); }

void PoolMonitor::poolRestarted() { m_failureShown = false; }

void PoolMonitor::refresh()
{
    m_samples.clear();
    m_lastSequence = m_session.sampler().copySince(m_lastSequence, m_samples);
    if (!m_samples.empty()) {
        m_latest = m_samples.back();
        m_hasSample = true;
        emit samplesArrived(m_samples);
    }

    m_reports.clear();
    m_session.pool().drainExceptionReports(m_reports, MaxReportsPerTick);
    if (!m_reports.empty())
        emit exceptionsReported(m_reports);

    if (!m_failureShown) {
        if (const std::exception_ptr failure = m_session.pool().failFastException()) {
            m_failureShown = true;
            std::string type, message;
            try {
                std::rethrow_exception(failure); // only the GUI thread reads the exception itself
            } catch (...) {
                poolscope::describeCurrentException(type, message);
            }
            emit poolFailed(QString::fromStdString(type), QString::fromStdString(message));
        }
    }
}
