#pragma once

#include "alertrules.h"
#include "controlstate.h"

#include <QMainWindow>
#include <QPointer>

namespace poolscope {
class PoolSession;
struct SessionStatus;
} // namespace poolscope

struct ListenAddress;
class ChartsPanel;
class ControlPanel;
class CountersPanel;
class ExceptionLogModel;
class ExceptionLogView;
class ExportController;
class IoSection;
class MetricsServer;
class QAction;
class QLabel;
class QMessageBox;
class QPushButton;
class QScrollArea;
class QSplitter;
class QTabWidget;
class RunActions;
class RunNotices;
class SessionController;
class SnapshotWindow;
class WatchPresenter;

// Assembles the window: controls on the left, the notices and the charts in the middle,
// counters on the right, the exception log below; menus, shortcuts and the status bar. It
// connects the widgets to the SessionController and shows what it reports; it runs nothing
// itself.
//
// It fits the screen it opens on: the first size is at most the screen's available size, the
// side columns scroll, the status bar's lines give up width first, and a window too narrow
// for both side columns starts with the counters column hidden (View menu). Its minimum size
// stays under 1024 x 700.
// Closing it never waits: a run still going is stopped off the GUI thread first (and a long
// drain asks). GUI thread only.
class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(poolscope::PoolSession &session, QWidget *parent = nullptr);
    ~MainWindow() override;

    // To the widgets and the session, all or nothing (an error in the status bar otherwise).
    void applyControlState(const ControlState &state);
    ControlState controlState() const;
    void setChartWindowSeconds(double seconds);
    double chartWindowSeconds() const;

    // Serves /metrics for Prometheus (--serve-metrics); false with a one-line error.
    bool serveMetrics(const ListenAddress &address, QString &error);
    QString metricsUrl() const; // empty when not serving

    // Moves and shrinks the window so that all of it lies on its screen's available area
    // (after restoreGeometry() of a geometry saved on another screen).
    void fitToScreen();
    // The splitters' positions and which side columns are shown, as saved between runs;
    // restoreLayout() ignores what it cannot read (another version's bytes) and says so.
    QByteArray saveLayout() const;
    bool restoreLayout(const QByteArray &layout);
    void setCountersColumnVisible(bool visible);
    bool isCountersColumnVisible() const;
    // Opens a saved JSON snapshot in a read-only window beside this one; null (and an error
    // dialog) when it cannot be read.
    SnapshotWindow *openSnapshot(const QString &path);
    // Alert rules for this session, not kept in the settings (--alerts).
    void useAlertRules(std::vector<poolscope::AlertRule> rules);

public slots:
    void toggleLoad();
    void chooseSnapshotToOpen();
    void showPreviousRun();
    void restartPool(); // asks first (see RunActions)

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildMenus();
    void buildStatusBar();
    void connectController();
    void showStatus(const poolscope::SessionStatus &status);
    void showFailure(const QString &typeName, const QString &message, quint64 cancelled);
    void showError(const QString &what, const QString &detail);
    void onRunStarted(quint64 number);
    void fitColumnsToWidth(int width);
    void showControlState(const ControlState &state); // the controls and the I/O controls, without emitting

    SessionController *m_controller;
    ControlPanel *m_controls;
    ChartsPanel *m_charts;
    CountersPanel *m_counters;
    ExceptionLogModel *m_exceptionModel;
    ExceptionLogView *m_exceptionView;
    QTabWidget *m_bottomTabs;
    RunNotices *m_notices;
    IoSection *m_io; // the I/O load's controls, tiles and chart
    RunActions *m_actions;
    QScrollArea *m_controlsColumn;
    QScrollArea *m_countersColumn;
    QSplitter *m_columns;
    QSplitter *m_middle;
    QAction *m_controlsAction = nullptr;
    QAction *m_countersAction = nullptr;
    QLabel *m_loadLabel;
    QLabel *m_runLabel;
    QLabel *m_rateLabel;
    QLabel *m_poolLabel;
    QLabel *m_drainLabel;
    QPushButton *m_cancelDrain;
    QLabel *m_metricsLabel;
    QLabel *m_badge;
    ExportController *m_exports;
    WatchPresenter *m_watch;
    QAction *m_previousRunAction = nullptr;
    QList<QAction *> m_exportActions;
    MetricsServer *m_metricsServer = nullptr;
    QPointer<QMessageBox> m_errorDialog;
};
