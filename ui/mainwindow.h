#pragma once

#include "controlstate.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QMessageBox>
#include <QPointer>

#include <thread>

namespace poolscope {
class PoolSession;
struct ShutdownResult;
} // namespace poolscope

class ChartsPanel;
class ControlPanel;
class CountersPanel;
class ExceptionLogModel;
class ExceptionLogView;
class PoolMonitor;
class QLabel;
class QTabWidget;

// Assembles the window: controls on the left, the charts in the middle, counters on the
// right, the exception log below; menus, shortcuts and the status bar. It applies what the
// controls ask for to the session and shows what PoolMonitor reports. GUI thread only.
class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(poolscope::PoolSession &session, QWidget *parent = nullptr);
    ~MainWindow() override;

    void applyControlState(const ControlState &state); // to the widgets and the session
    ControlState controlState() const;

    ControlPanel *controls() const { return m_controls; }
    ChartsPanel *charts() const { return m_charts; }
    CountersPanel *counters() const { return m_counters; }
    ExceptionLogModel *exceptionLog() const { return m_exceptionModel; }
    PoolMonitor *monitor() const { return m_monitor; }
    QLabel *exceptionBadge() const { return m_badge; }
    QMessageBox *failureDialog() const { return m_failureDialog; }

public slots:
    void toggleLoad();
    void stopLoad();
    void resetPeaks();
    void shutdownPool(bool graceful);
    void restartPool();

signals:
    void shutdownFinished(const QString &summary);

private:
    void buildMenus();
    void updateStatus();
    void showFailure(const QString &typeName, const QString &message);
    void showError(const QString &what, const QString &detail);
    void onShutdownFinished(bool graceful, const poolscope::ShutdownResult &result);

    poolscope::PoolSession &m_session;
    PoolMonitor *m_monitor;
    ControlPanel *m_controls;
    ChartsPanel *m_charts;
    CountersPanel *m_counters;
    ExceptionLogModel *m_exceptionModel;
    ExceptionLogView *m_exceptionView;
    QTabWidget *m_bottomTabs;
    QLabel *m_loadLabel;
    QLabel *m_uptimeLabel;
    QLabel *m_rateLabel;
    QLabel *m_poolLabel;
    QLabel *m_badge;
    QPointer<QMessageBox> m_failureDialog;
    QElapsedTimer m_uptime;
    std::thread m_shutdownThread; // a drain may take long: never on the GUI thread
    bool m_shuttingDown = false;
    bool m_restartWhenStopped = false;
};
