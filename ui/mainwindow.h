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

struct ListenAddress;
class ChartsPanel;
class ExportController;
class MetricsServer;
class QAction;
class SnapshotWindow;
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
    ExportController *exports() const { return m_exports; }
    MetricsServer *metricsServer() const { return m_metricsServer; }
    QMessageBox *errorDialog() const { return m_errorDialog; }

    // Serves /metrics for Prometheus (--serve-metrics); false with a one-line error.
    bool serveMetrics(const ListenAddress &address, QString &error);
    // Opens a saved JSON snapshot in a read-only window beside this one; null (and an error
    // dialog) when it cannot be read.
    SnapshotWindow *openSnapshot(const QString &path);

public slots:
    void toggleLoad();
    void stopLoad();
    void resetPeaks();
    void shutdownPool(bool graceful);
    void restartPool();
    void chooseSnapshotToOpen();

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
    QLabel *m_metricsLabel;
    QLabel *m_badge;
    ExportController *m_exports;
    QList<QAction *> m_exportActions;
    MetricsServer *m_metricsServer = nullptr;
    QPointer<QMessageBox> m_errorDialog;
    QPointer<QMessageBox> m_failureDialog;
    QElapsedTimer m_uptime;
    std::thread m_shutdownThread; // a drain may take long: never on the GUI thread
    bool m_shuttingDown = false;
    bool m_restartWhenStopped = false;
};
