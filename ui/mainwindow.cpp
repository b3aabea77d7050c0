#include "mainwindow.h"

#include "chartspanel.h"
#include "controlpanel.h"
#include "counterspanel.h"
#include "exceptionlogmodel.h"
#include "exceptionlogview.h"
#include "exportcontroller.h"
#include "metricsserver.h"
#include "poolmonitor.h"
#include "poolsession.h"
#include "settingsstore.h"
#include "sidecolumn.h"
#include "snapshotreader.h"
#include "snapshotwindow.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QSettings>
#include <QKeySequence>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>

using namespace poolscope;

MainWindow::MainWindow(PoolSession &session, QWidget *parent)
    : QMainWindow(parent), m_session(session), m_monitor(new PoolMonitor(session, this)),
      m_controls(new ControlPanel), m_charts(new ChartsPanel), m_counters(new CountersPanel),
      m_exceptionModel(new ExceptionLogModel(this)), m_exceptionView(new ExceptionLogView(m_exceptionModel)),
      m_bottomTabs(new QTabWidget), m_loadLabel(new QLabel), m_uptimeLabel(new QLabel), m_rateLabel(new QLabel),
      m_poolLabel(new QLabel), m_metricsLabel(new QLabel), m_badge(new QLabel),
      m_exports(new ExportController(session, m_charts, m_exceptionModel, this))
{
    setWindowTitle(tr("Poolscope"));
    setWindowIcon(QIcon(QStringLiteral(":/poolscope.png")));

    QScrollArea *controlScroll = verticalScroller(m_controls);
    QScrollArea *counterScroll = verticalScroller(m_counters);

    m_bottomTabs->addTab(m_exceptionView, tr("Exceptions"));

    auto *middle = new QSplitter(Qt::Vertical);
    middle->addWidget(m_charts);
    middle->addWidget(m_bottomTabs);
    middle->setStretchFactor(0, 3);
    middle->setStretchFactor(1, 1);

    auto *main = new QSplitter(Qt::Horizontal);
    main->addWidget(controlScroll);
    main->addWidget(middle);
    main->addWidget(counterScroll);
    main->setStretchFactor(0, 0);
    main->setStretchFactor(1, 1);
    main->setStretchFactor(2, 0);
    main->setChildrenCollapsible(false);
    setCentralWidget(main);

    m_badge->setObjectName(QStringLiteral("exceptionBadge"));
    m_badge->setToolTip(tr("Exceptions thrown by work units (click the Exceptions tab for details)"));
    m_badge->setStyleSheet(QStringLiteral("QLabel { background: #d7191c; color: white; border-radius: 8px;"
                                          " padding: 1px 8px; font-weight: bold; }"));
    m_badge->hide();
    statusBar()->addWidget(m_loadLabel);
    statusBar()->addWidget(m_poolLabel);
    m_metricsLabel->hide();
    statusBar()->addPermanentWidget(m_metricsLabel);
    statusBar()->addPermanentWidget(m_rateLabel);
    statusBar()->addPermanentWidget(m_uptimeLabel);
    statusBar()->addPermanentWidget(m_badge);

    buildMenus();

    connect(m_monitor, &PoolMonitor::samplesArrived, m_charts, &ChartsPanel::appendSamples);
    connect(m_monitor, &PoolMonitor::samplesArrived, this, [this](const std::vector<Sample> &samples) {
        m_counters->showSample(samples.back());
        LatencySummary wait, service;
        if (m_session.sampler().latestSinceStart(wait, service))
            m_counters->showLatencySinceStart(wait, service);
        m_exceptionView->setDroppedCount(samples.back().pool.exceptionReportsDropped);
        updateStatus();
    });
    connect(m_monitor, &PoolMonitor::exceptionsReported, m_exceptionModel, &ExceptionLogModel::addReports);
    connect(m_monitor, &PoolMonitor::poolFailed, this, &MainWindow::showFailure);
    connect(m_exceptionModel, &ExceptionLogModel::totalCountChanged, this, [this](quint64 total) {
        m_badge->setVisible(total > 0);
        m_badge->setText(QStringLiteral("⚠ %1").arg(QLocale().toString(total)));
        m_bottomTabs->setTabText(0, total > 0 ? tr("Exceptions (%1)").arg(QLocale().toString(total)) : tr("Exceptions"));
    });
    connect(m_counters, &CountersPanel::resetPeaksRequested, this, &MainWindow::resetPeaks);
    connect(m_exports, &ExportController::exported, this, [this](const QString &path, qint64 bytes) {
        statusBar()->showMessage(tr("Exported %1 (%2)").arg(QDir::toNativeSeparators(path), QLocale().formattedDataSize(bytes)), 8000);
    });
    connect(m_exports, &ExportController::busyChanged, this, [this](bool busy) {
        for (QAction *action : std::as_const(m_exportActions))
            action->setEnabled(!busy);
    });

    connect(m_controls, &ControlPanel::workerCountChanged, this, [this](int count) {
        try {
            m_session.setWorkerCount(count);
        } catch (const std::exception &error) {
            showError(tr("The worker count was not changed."), QString::fromUtf8(error.what()));
        }
    });
    connect(m_controls, &ControlPanel::concurrencyChanged, this, [this](int concurrency) {
        try {
            m_session.setConcurrency(concurrency);
        } catch (const std::exception &error) {
            showError(tr("The concurrency limit was not changed."), QString::fromUtf8(error.what()));
        }
    });
    connect(m_controls, &ControlPanel::policyChanged, this,
            [this](ExceptionPolicy policy) { m_session.setExceptionPolicy(policy); });
    connect(m_controls, &ControlPanel::loadSettingsChanged, this, [this](const LoadSettings &settings) {
        try {
            m_session.load().applySettings(settings);
        } catch (const std::exception &error) {
            showError(tr("The load settings were not applied."), QString::fromUtf8(error.what()));
        }
    });
    connect(m_controls, &ControlPanel::startPauseRequested, this, &MainWindow::toggleLoad);
    connect(m_controls, &ControlPanel::stopRequested, this, &MainWindow::stopLoad);
    connect(m_controls, &ControlPanel::shutdownRequested, this, &MainWindow::shutdownPool);
    connect(m_controls, &ControlPanel::restartRequested, this, &MainWindow::restartPool);

    auto *statusTimer = new QTimer(this);
    connect(statusTimer, &QTimer::timeout, this, &MainWindow::updateStatus);
    statusTimer->start(500);
    m_uptime.start();
    m_monitor->start();
    // The controls start out showing the session as it is; nothing is pushed into it.
    ControlState current;
    current.workers = static_cast<int>(session.options().workers);
    current.concurrency = static_cast<int>(session.options().concurrency);
    current.policy = session.options().policy;
    current.load = session.load().settings();
    m_controls->setState(current);
    resize(1560, 960);
}

MainWindow::~MainWindow()
{
    if (m_shutdownThread.joinable())
        m_shutdownThread.join();
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open snapshot…"), QKeySequence::Open, this, &MainWindow::chooseSnapshotToOpen);
    open->setToolTip(tr("View a saved run (JSON snapshot) read-only, beside the live one"));
    file->addSeparator();
    using Kind = ExportController::Kind;
    const auto addExport = [this, file](const QString &text, const QKeySequence &keys, Kind kind) {
        QAction *action = file->addAction(text, keys, this, [this, kind] { m_exports->chooseFileAndExport(kind); });
        m_exportActions.append(action);
    };
    addExport(tr("Export &snapshot (JSON)…"), QKeySequence(Qt::CTRL | Qt::Key_S), Kind::Snapshot);
    addExport(tr("Export &time series (CSV)…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E), Kind::TimeSeries);
    addExport(tr("Export &metrics (OpenMetrics)…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M), Kind::Metrics);
    addExport(tr("Export charts as &PNG…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P), Kind::ChartsPng);
    addExport(tr("Export charts as P&DF…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D), Kind::ChartsPdf);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::closeAllWindows);
    quit->setShortcutContext(Qt::ApplicationShortcut);

    QMenu *load = menuBar()->addMenu(tr("&Load"));
    QAction *toggle = load->addAction(tr("&Start / pause load"), QKeySequence(Qt::Key_F5), this, &MainWindow::toggleLoad);
    toggle->setObjectName(QStringLiteral("toggleLoadAction"));
    load->addAction(tr("S&top load"), QKeySequence(Qt::SHIFT | Qt::Key_F5), this, &MainWindow::stopLoad);

    QMenu *pool = menuBar()->addMenu(tr("&Pool"));
    pool->addAction(tr("&Reset peaks"), QKeySequence(Qt::CTRL | Qt::Key_R), this, &MainWindow::resetPeaks);
    pool->addSeparator();
    pool->addAction(tr("&Graceful shutdown"), this, [this] { shutdownPool(true); });
    pool->addAction(tr("&Fast shutdown"), this, [this] { shutdownPool(false); });
    pool->addAction(tr("R&estart"), this, &MainWindow::restartPool);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("Last 30 &seconds"), QKeySequence(Qt::CTRL | Qt::Key_1), this, [this] { m_charts->setWindowSeconds(30); });
    view->addAction(tr("Last 5 &minutes"), QKeySequence(Qt::CTRL | Qt::Key_2), this, [this] { m_charts->setWindowSeconds(300); });
    view->addAction(tr("Last &hour"), QKeySequence(Qt::CTRL | Qt::Key_3), this, [this] { m_charts->setWindowSeconds(3600); });
    view->addAction(tr("&Pause / follow charts"), QKeySequence(Qt::Key_Space), this,
                    [this] { m_charts->setFollowing(!m_charts->isFollowing()); });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Poolscope"), this, [this] {
        QMessageBox::about(this, tr("About Poolscope"),
                           tr("<b>Poolscope %1</b><p>A live monitor for an IOCP-style worker pool: one waiter woken "
                              "per packet (LIFO), a concurrency limit, blocking scopes, live resizing.</p>"
                              "<p>Completion port backend: %2</p>")
                               .arg(QApplication::applicationVersion(), QString::fromLatin1(WorkerPool::backendName())));
    });
}

bool MainWindow::serveMetrics(const ListenAddress &address, QString &error)
{
    if (!m_metricsServer) {
        m_metricsServer = new MetricsServer([this] { return metricsOf(m_session.pool()); }, this);
        connect(m_metricsServer, &MetricsServer::scraped, this, [this] {
            m_metricsLabel->setToolTip(tr("Prometheus can scrape %1 (%2 scrapes so far)")
                                           .arg(m_metricsServer->metricsUrl(), QLocale().toString(m_metricsServer->scrapesServed())));
        });
    }
    if (!m_metricsServer->listen(address, error))
        return false;
    m_metricsLabel->setText(tr("/metrics on %1").arg(m_metricsServer->metricsUrl().section(QLatin1Char('/'), 2, 2)));
    m_metricsLabel->setToolTip(tr("Prometheus can scrape %1").arg(m_metricsServer->metricsUrl()));
    m_metricsLabel->show();
    return true;
}

void MainWindow::chooseSnapshotToOpen()
{
    QSettings settings;
    SettingsStore store(settings);
    ExportPreferences preferences = store.loadExportPreferences();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open a saved run"), preferences.folder,
                                                      tr("JSON snapshot (*.json);;All files (*)"));
    if (path.isEmpty())
        return;
    preferences.folder = QFileInfo(path).absolutePath();
    store.saveExportPreferences(preferences);
    openSnapshot(path);
}

SnapshotWindow *MainWindow::openSnapshot(const QString &path)
{
    RunReport report;
    QString error;
    if (!readSnapshot(path, report, error)) {
        if (m_errorDialog)
            m_errorDialog->close();
        m_errorDialog = new QMessageBox(QMessageBox::Warning, tr("Open snapshot"), tr("The snapshot could not be opened."),
                                        QMessageBox::Ok, this);
        m_errorDialog->setInformativeText(error);
        m_errorDialog->setAttribute(Qt::WA_DeleteOnClose);
        m_errorDialog->open();
        return nullptr;
    }
    auto *window = new SnapshotWindow(path, report, this);
    window->show();
    return window;
}

void MainWindow::applyControlState(const ControlState &state)
{
    m_controls->setState(state);
    try {
        m_session.setWorkerCount(state.workers);
        m_session.setConcurrency(state.concurrency);
        m_session.setExceptionPolicy(state.policy);
        m_session.load().applySettings(state.load);
    } catch (const std::exception &error) {
        showError(tr("Some settings could not be applied."), QString::fromUtf8(error.what()));
    }
}

ControlState MainWindow::controlState() const { return m_controls->state(); }

void MainWindow::toggleLoad()
{
    if (m_shuttingDown || m_session.pool().snapshot().state != PoolState::Running)
        return;
    LoadGenerator &load = m_session.load();
    switch (load.state()) {
    case LoadState::Stopped: load.start(); break;
    case LoadState::Running: load.pause(); break;
    case LoadState::Paused: load.resume(); break;
    }
    updateStatus();
}

void MainWindow::stopLoad()
{
    m_session.load().stop();
    updateStatus();
}

void MainWindow::resetPeaks()
{
    m_session.pool().resetPeaks();
    m_monitor->refresh();
}

void MainWindow::shutdownPool(bool graceful)
{
    if (m_shuttingDown)
        return;
    if (m_shutdownThread.joinable())
        m_shutdownThread.join();
    m_shuttingDown = true;
    m_session.load().stop(); // quick; the drain itself runs off the GUI thread
    m_controls->setPoolStopped(true);
    m_controls->setEnabled(false);
    statusBar()->showMessage(graceful ? tr("Draining the queue…") : tr("Cancelling queued units…"));
    m_shutdownThread = std::thread([this, graceful] {
        const ShutdownResult result =
            m_session.pool().shutdown(graceful ? ShutdownMode::Graceful : ShutdownMode::Fast, std::chrono::seconds(30));
        QMetaObject::invokeMethod(this, [this, graceful, result] { onShutdownFinished(graceful, result); },
                                  Qt::QueuedConnection);
    });
}

void MainWindow::onShutdownFinished(bool graceful, const ShutdownResult &result)
{
    m_shuttingDown = false;
    m_controls->setEnabled(true);
    m_controls->setPoolStopped(true);
    QString summary = tr("%1 shutdown: %2 drained, %3 cancelled in %4 ms")
                          .arg(graceful ? tr("Graceful") : tr("Fast"))
                          .arg(QLocale().toString(static_cast<qulonglong>(result.drained)))
                          .arg(QLocale().toString(static_cast<qulonglong>(result.cancelled)))
                          .arg(std::chrono::duration_cast<std::chrono::milliseconds>(result.elapsed).count());
    if (result.deadlineMissed)
        summary += tr("; deadline missed with %1 units still running on %2 threads")
                       .arg(result.stillRunning)
                       .arg(result.workersStillAlive);
    statusBar()->showMessage(summary, 15000);
    m_monitor->refresh();
    updateStatus();
    emit shutdownFinished(summary);
    if (m_restartWhenStopped)
        restartPool();
}

void MainWindow::restartPool()
{
    if (m_shuttingDown) {
        m_restartWhenStopped = true; // e.g. Restart in the fail-fast dialog while threads still finish
        return;
    }
    m_restartWhenStopped = false;
    if (m_shutdownThread.joinable())
        m_shutdownThread.join();
    if (m_failureDialog)
        m_failureDialog->close();
    const ControlState state = m_controls->state();
    m_session.restart();
    m_monitor->poolRestarted();
    m_controls->setPoolStopped(false);
    applyControlState(state);
    statusBar()->showMessage(tr("Pool restarted"), 5000);
    updateStatus();
}

void MainWindow::showFailure(const QString &typeName, const QString &message)
{
    // The pool already stopped accepting and cancelled its queue; this joins its threads,
    // off the GUI thread, since a running unit may take its time.
    const std::uint64_t cancelled = m_session.pool().snapshot().cancelled;
    shutdownPool(false);
    auto *dialog = new QMessageBox(QMessageBox::Critical, tr("A work unit failed: the pool stopped"),
                                   tr("<b>%1</b><p>%2</p><p>The exception policy is <i>fail fast</i>: the pool stopped "
                                      "accepting work and cancelled what was queued (%3 units).</p>")
                                       .arg(typeName.toHtmlEscaped(), message.toHtmlEscaped())
                                       .arg(cancelled),
                                   QMessageBox::NoButton, this);
    dialog->setObjectName(QStringLiteral("failFastDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton *restart = dialog->addButton(tr("Restart pool"), QMessageBox::AcceptRole);
    dialog->addButton(tr("Quit"), QMessageBox::DestructiveRole);
    dialog->addButton(tr("Close"), QMessageBox::RejectRole);
    connect(dialog, &QMessageBox::buttonClicked, this, [this, restart, dialog](QAbstractButton *button) {
        if (button == restart)
            QTimer::singleShot(0, this, &MainWindow::restartPool);
        else if (dialog->buttonRole(button) == QMessageBox::DestructiveRole)
            QTimer::singleShot(0, qApp, &QApplication::closeAllWindows);
    });
    m_failureDialog = dialog;
    dialog->open(); // window-modal, and the event loop (and the charts) keep running
}

void MainWindow::showError(const QString &what, const QString &detail)
{
    statusBar()->showMessage(QStringLiteral("%1 %2").arg(what, detail), 10000);
}

void MainWindow::updateStatus()
{
    const LoadState load = m_session.load().state();
    m_controls->setLoadState(load);
    const LoadStats stats = m_session.load().stats();
    QString loadText = tr("Load: %1").arg(QString::fromUtf8(nameOf(load).data()));
    if (load == LoadState::Running && stats.atQueueCap)
        loadText += tr(" (waiting at the queue cap)");
    m_loadLabel->setText(loadText);
    const PoolState state = m_monitor->hasSample() ? m_monitor->latest().pool.state : PoolState::Running;
    m_poolLabel->setText(tr("Pool: %1").arg(QString::fromUtf8(nameOf(state).data())));
    m_rateLabel->setText(tr("Sampling %1 Hz · refresh %2 Hz")
                             .arg(m_session.sampler().rateHz(), 0, 'f', 0)
                             .arg(m_monitor->refreshRate(), 0, 'f', 0));
    const qint64 seconds = m_uptime.elapsed() / 1000;
    m_uptimeLabel->setText(tr("Up %1:%2:%3")
                               .arg(seconds / 3600)
                               .arg((seconds / 60) % 60, 2, 10, QLatin1Char('0'))
                               .arg(seconds % 60, 2, 10, QLatin1Char('0')));
}
