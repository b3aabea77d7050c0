#include "mainwindow.h"

#include "chartspanel.h"
#include "controlpanel.h"
#include "counterspanel.h"
#include "elidedlabel.h"
#include "exceptionlogmodel.h"
#include "exceptionlogview.h"
#include "exportcontroller.h"
#include "helpdialogs.h"
#include "iochart.h"
#include "ioloadpanel.h"
#include "iosection.h"
#include "keytiles.h"
#include "metricsserver.h"
#include "runactions.h"
#include "runnotices.h"
#include "sessioncontroller.h"
#include "settingsstore.h"
#include "sidecolumn.h"
#include "sizingactions.h"
#include "snapshotreader.h"
#include "snapshotwindow.h"
#include "windowfit.h"
#include "alertbanner.h"
#include "autosizecontrol.h"
#include "watchlogview.h"
#include "watchpresenter.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDataStream>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

using namespace poolscope;

namespace {
constexpr QSize PreferredSize{1560, 960};
// Below this the charts get too narrow to read beside both side columns.
constexpr int ChartsComfortableWidth = 620;

// The controls column: the pool and load controls, then the I/O load's.
QWidget *stackedColumn(std::initializer_list<QWidget *> parts)
{
    auto *column = new QWidget;
    auto *layout = new QVBoxLayout(column);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    for (QWidget *part : parts)
        layout->addWidget(part);
    layout->addStretch(1);
    return column;
}

QString count(std::uint64_t value) { return QLocale().toString(static_cast<qulonglong>(value)); }
QString utf8(std::string_view text) { return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size())); }
} // namespace

MainWindow::MainWindow(PoolSession &session, QWidget *parent)
    : QMainWindow(parent), m_controller(new SessionController(session, this)), m_controls(new ControlPanel),
      m_charts(new ChartsPanel), m_counters(new CountersPanel), m_exceptionModel(new ExceptionLogModel(this)),
      m_exceptionView(new ExceptionLogView(m_exceptionModel)), m_bottomTabs(new QTabWidget), m_notices(new RunNotices),
      m_io(new IoSection(m_controller, this)), m_actions(new RunActions(m_controller, this)),
      m_controlsColumn(verticalScroller(stackedColumn({m_controls, m_io->controls()}))),
      m_countersColumn(verticalScroller(m_counters)), m_columns(new QSplitter(Qt::Horizontal)),
      m_middle(new QSplitter(Qt::Vertical)), m_loadLabel(new ElidedLabel), m_runLabel(new ElidedLabel),
      m_rateLabel(new ElidedLabel), m_poolLabel(new ElidedLabel), m_drainLabel(new ElidedLabel),
      m_cancelDrain(new QPushButton(tr("Cancel the rest"))), m_metricsLabel(new QLabel), m_badge(new QLabel),
      m_exports(new ExportController(m_controller, m_charts, this)), m_watch(new WatchPresenter(m_controller, m_charts, this))
{
    setWindowTitle(tr("Poolscope"));
    setWindowIcon(QIcon(QStringLiteral(":/poolscope.png")));

    m_bottomTabs->addTab(m_exceptionView, tr("Exceptions"));
    m_bottomTabs->addTab(m_watch->decisionLog(), tr("Auto-size"));
    m_bottomTabs->addTab(m_watch->alertLog(), tr("Alerts"));
    m_middle->setObjectName(QStringLiteral("chartsAndLogSplitter"));
    auto *chartTabs = new QTabWidget; // the pool's charts; the I/O page while an I/O load is set
    chartTabs->setObjectName(QStringLiteral("chartTabs"));
    chartTabs->setDocumentMode(true);
    chartTabs->addTab(m_charts, tr("Pool"));
    chartTabs->addTab(m_io->page(), tr("I/O"));
    m_io->placeIn(chartTabs, 1);
    connect(m_charts, &ChartsPanel::windowChanged, m_io->chart(), &IoChart::setWindowSeconds);
    m_middle->addWidget(chartTabs);
    m_middle->addWidget(m_bottomTabs);
    m_middle->setStretchFactor(0, 3);
    m_middle->setStretchFactor(1, 1);
    m_middle->setChildrenCollapsible(false);
    auto *middleColumn = new QWidget;
    auto *middleLayout = new QVBoxLayout(middleColumn);
    middleLayout->setContentsMargins(0, 4, 0, 0);
    middleLayout->setSpacing(4);
    middleLayout->addWidget(m_notices);
    middleLayout->addWidget(m_watch->banner());
    // The key numbers first, in big tiles above the charts that draw their history.
    auto *tiles = new KeyTiles;
    connect(m_controller, &SessionController::samplesArrived, tiles, &KeyTiles::appendSamples);
    connect(m_controller, &SessionController::runStarted, tiles, &KeyTiles::startNewRun);
    middleLayout->addWidget(tiles);
    middleLayout->addWidget(m_middle, 1);

    m_controlsColumn->setObjectName(QStringLiteral("controlsColumn"));
    m_countersColumn->setObjectName(QStringLiteral("countersColumn"));
    m_columns->setObjectName(QStringLiteral("columnsSplitter"));
    m_columns->addWidget(m_controlsColumn);
    m_columns->addWidget(middleColumn);
    m_columns->addWidget(m_countersColumn);
    m_columns->setStretchFactor(0, 0);
    m_columns->setStretchFactor(1, 1);
    m_columns->setStretchFactor(2, 0);
    m_columns->setChildrenCollapsible(false);
    setCentralWidget(m_columns);

    buildStatusBar();
    buildMenus();
    connectController();

    // The controls start out showing the session as it is; nothing is pushed into it.
    showControlState(m_controller->settings());
    m_controller->startRefreshing();
    // The screen it opens on decides the first size; a saved geometry replaces it later.
    const QSize first = firstWindowSize(PreferredSize, screen()->availableGeometry());
    resize(first);
    fitColumnsToWidth(first.width());
    // The charts get what they need to be read, the log at least a few rows; a tall window
    // gives the log a third.
    const int middleHeight = first.height() - 120; // menu, status bar, notices
    const int chartsHeight = std::max(m_charts->minimumSizeHint().height(), middleHeight * 2 / 3);
    m_middle->setSizes({chartsHeight, std::max(150, middleHeight - chartsHeight)});
}

MainWindow::~MainWindow() = default;

void MainWindow::buildStatusBar()
{
    m_badge->setObjectName(QStringLiteral("exceptionBadge"));
    m_badge->setToolTip(tr("Exceptions thrown by work units (click the Exceptions tab for details)"));
    m_badge->setStyleSheet(QStringLiteral("QLabel { background: #d7191c; color: white; border-radius: 8px;"
                                          " padding: 1px 8px; font-weight: bold; }"));
    m_badge->hide();
    m_drainLabel->setObjectName(QStringLiteral("drainProgress"));
    m_cancelDrain->setObjectName(QStringLiteral("cancelDrainButton"));
    m_cancelDrain->setToolTip(tr("Cancel the units still queued: running ones finish, then the pool stops"));
    m_drainLabel->hide();
    m_cancelDrain->hide();
    m_poolLabel->setObjectName(QStringLiteral("poolStatus"));
    m_runLabel->setObjectName(QStringLiteral("runStatus"));
    statusBar()->addWidget(m_runLabel);
    statusBar()->addWidget(m_loadLabel);
    statusBar()->addWidget(m_poolLabel);
    statusBar()->addWidget(m_drainLabel);
    statusBar()->addWidget(m_cancelDrain);
    m_metricsLabel->hide();
    statusBar()->addPermanentWidget(m_metricsLabel);
    statusBar()->addPermanentWidget(m_rateLabel);
    statusBar()->addPermanentWidget(m_badge);
}

void MainWindow::connectController()
{
    SessionController *c = m_controller;
    connect(c, &SessionController::samplesArrived, m_charts, &ChartsPanel::appendSamples);
    connect(c, &SessionController::samplesArrived, this, [this](const std::vector<Sample> &samples) {
        m_counters->showSample(samples.back());
        LatencySummary wait, service;
        if (m_controller->latencySinceStart(wait, service))
            m_counters->showLatencySinceStart(wait, service);
        m_exceptionView->setDroppedCount(samples.back().pool.exceptionReportsDropped);
    });
    connect(c, &SessionController::exceptionsReported, m_exceptionModel, &ExceptionLogModel::addReports);
    connect(c, &SessionController::statusChanged, this, &MainWindow::showStatus);
    connect(c, &SessionController::poolFailed, this, &MainWindow::showFailure);
    connect(c, &SessionController::errorOccurred, this, &MainWindow::showError);
    connect(c, &SessionController::runStarted, this, &MainWindow::onRunStarted);
    // No transient message while a drain runs: the drain's own progress label says it, and a
    // message would be drawn over it.
    connect(c, &SessionController::drainStarted, statusBar(), &QStatusBar::clearMessage);
    connect(c, &SessionController::drainFinished, this, [this](const QString &summary) {
        statusBar()->showMessage(summary, 15000);
    });
    connect(c, &SessionController::readyToQuit, this, &QWidget::close);
    connect(m_cancelDrain, &QPushButton::clicked, c, &SessionController::cancelDrain);

    connect(m_exceptionModel, &ExceptionLogModel::totalCountChanged, this, [this](quint64 total) {
        m_badge->setVisible(total > 0);
        m_badge->setText(QStringLiteral("⚠ %1").arg(count(total)));
        m_bottomTabs->setTabText(0, total > 0 ? tr("Exceptions (%1)").arg(count(total)) : tr("Exceptions"));
    });
    connect(m_counters, &CountersPanel::resetPeaksRequested, c, &SessionController::resetPeaks);
    connect(m_exports, &ExportController::exported, this, [this](const QString &path, qint64 bytes) {
        statusBar()->showMessage(tr("Exported %1 (%2)").arg(QDir::toNativeSeparators(path), QLocale().formattedDataSize(bytes)), 8000);
    });
    connect(m_exports, &ExportController::busyChanged, this, [this](bool busy) {
        for (QAction *action : std::as_const(m_exportActions))
            action->setEnabled(!busy);
    });

    // Every control change applies the whole state: validated as one, applied as one.
    const auto applyControls = [this] { m_controller->apply(controlState()); };
    connect(m_controls, &ControlPanel::workerCountChanged, this, applyControls);
    connect(m_controls, &ControlPanel::concurrencyChanged, this, applyControls);
    connect(m_controls, &ControlPanel::policyChanged, this, applyControls);
    connect(m_controls, &ControlPanel::loadSettingsChanged, this, applyControls);
    connect(m_io->controls(), &IoLoadPanel::settingsChanged, this, [this, applyControls] {
        applyControls();
        m_io->showSettings(m_controller->settings().io); // the I/O page's tab follows what the session runs
    });
    connect(m_controls, &ControlPanel::startPauseRequested, c, &SessionController::toggleLoad);
    connect(m_controls, &ControlPanel::stopRequested, c, &SessionController::stopLoad);
    connect(m_controls, &ControlPanel::shutdownRequested, m_actions, &RunActions::requestShutdown);
    connect(m_controls, &ControlPanel::restartRequested, m_actions, &RunActions::requestRestart);

    connect(m_notices, &RunNotices::startLoadRequested, c, &SessionController::toggleLoad);
    connect(m_notices, &RunNotices::workersRequested, m_controls, &ControlPanel::chooseWorkerCount);
    connect(m_notices, &RunNotices::dropOutdatedRequested, c, &SessionController::restartKeepingLoad);
    connect(c, &SessionController::queuedUnitsOutdated, m_notices, &RunNotices::showOutdatedUnits);
    connect(m_controls->autoSizeControl(), &AutoSizeControl::changed, m_watch, &WatchPresenter::setAutoSize);
    connect(m_watch, &WatchPresenter::workersChanged, this, [this] { showControlState(m_controller->settings()); });
    connect(m_watch, &WatchPresenter::alertLogRequested, this, [this] { m_bottomTabs->setCurrentWidget(m_watch->alertLog()); });
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open snapshot…"), QKeySequence::Open, this, &MainWindow::chooseSnapshotToOpen);
    open->setToolTip(tr("View a saved run (JSON snapshot) read-only, beside the live one"));
    file->addSeparator();
    using Kind = ExportController::Kind;
    const auto addExport = [this, file](const QString &text, const QKeySequence &keys, Kind kind) {
        m_exportActions.append(file->addAction(text, keys, this, [this, kind] { m_exports->chooseFileAndExport(kind); }));
    };
    addExport(tr("Export &snapshot (JSON)…"), QKeySequence(Qt::CTRL | Qt::Key_S), Kind::Snapshot);
    addExport(tr("Export &time series (CSV)…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E), Kind::TimeSeries);
    addExport(tr("Export &metrics (OpenMetrics)…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M), Kind::Metrics);
    addExport(tr("Export metrics (P&rometheus text)…"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_M), Kind::PrometheusMetrics);
    addExport(tr("Export charts as &PNG…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P), Kind::ChartsPng);
    addExport(tr("Export charts as P&DF…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D), Kind::ChartsPdf);
    file->addSeparator();
    // The window's own: a saved run's window has a Ctrl+Q of its own that asks first.
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::closeAllWindows);

    QMenu *load = menuBar()->addMenu(tr("&Load"));
    QAction *toggle = load->addAction(tr("&Start / pause load"), QKeySequence(Qt::Key_F5), m_controller, &SessionController::toggleLoad);
    toggle->setObjectName(QStringLiteral("toggleLoadAction"));
    load->addAction(tr("S&top load"), QKeySequence(Qt::SHIFT | Qt::Key_F5), m_controller, &SessionController::stopLoad);

    QMenu *pool = menuBar()->addMenu(tr("&Pool"));
    pool->addAction(tr("&Reset peaks"), QKeySequence(Qt::CTRL | Qt::Key_R), m_controller, &SessionController::resetPeaks);
    pool->addSeparator();
    pool->addAction(tr("&Graceful shutdown…"), this, [this] { m_actions->requestShutdown(true); });
    pool->addAction(tr("&Fast shutdown…"), this, [this] { m_actions->requestShutdown(false); });
    pool->addAction(tr("R&estart…"), this, &MainWindow::restartPool);
    m_previousRunAction = pool->addAction(tr("&Previous run…"), this, &MainWindow::showPreviousRun);
    m_previousRunAction->setToolTip(tr("The run before the last restart, as it ended, read-only"));
    m_previousRunAction->setEnabled(false);
    addSizingActions(this, file, pool, m_controller);
    pool->addSeparator();
    pool->addAction(tr("A&lert rules…"), m_watch, &WatchPresenter::editAlertRules)->setObjectName(QStringLiteral("alertRulesAction"));

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("Last 30 &seconds"), QKeySequence(Qt::CTRL | Qt::Key_1), this, [this] { m_charts->setWindowSeconds(30); });
    view->addAction(tr("Last 5 &minutes"), QKeySequence(Qt::CTRL | Qt::Key_2), this, [this] { m_charts->setWindowSeconds(300); });
    view->addAction(tr("Last &hour"), QKeySequence(Qt::CTRL | Qt::Key_3), this, [this] { m_charts->setWindowSeconds(3600); });
    view->addAction(tr("&Pause / follow charts"), QKeySequence(Qt::Key_Space), this,
                    [this] { m_charts->setFollowing(!m_charts->isFollowing()); });
    view->addSeparator();
    m_controlsAction = view->addAction(tr("&Controls column"), QKeySequence(Qt::CTRL | Qt::Key_BracketLeft), this,
                                       [this](bool shown) { m_controlsColumn->setVisible(shown); });
    m_controlsAction->setCheckable(true);
    m_controlsAction->setChecked(true);
    m_countersAction = view->addAction(tr("C&ounters column"), QKeySequence(Qt::CTRL | Qt::Key_BracketRight), this,
                                       &MainWindow::setCountersColumnVisible);
    m_countersAction->setCheckable(true);
    m_countersAction->setChecked(true);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Quick start"), QKeySequence::HelpContents, this, [this] {
        openHelpPage(this, QStringLiteral("quickStartPage"), tr("Poolscope quick start"), quickStartHtml());
    });
    help->addAction(tr("&Keyboard shortcuts"), QKeySequence(Qt::CTRL | Qt::Key_Slash), this, [this] {
        openHelpPage(this, QStringLiteral("shortcutsPage"), tr("Poolscope shortcuts"), shortcutListHtml(menuBar()));
    });
    help->addSeparator();
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
        m_metricsServer = new MetricsServer([this] { return m_controller->metrics(); }, this);
        connect(m_metricsServer, &MetricsServer::scraped, this, [this] {
            m_metricsLabel->setToolTip(tr("Prometheus can scrape %1 (%2 scrapes so far)")
                                           .arg(m_metricsServer->metricsUrl(), count(m_metricsServer->scrapesServed())));
        });
    }
    if (!m_metricsServer->listen(address, error))
        return false;
    m_metricsLabel->setText(tr("/metrics on %1").arg(m_metricsServer->metricsUrl().section(QLatin1Char('/'), 2, 2)));
    m_metricsLabel->setToolTip(tr("Prometheus can scrape %1").arg(m_metricsServer->metricsUrl()));
    m_metricsLabel->show();
    return true;
}

QString MainWindow::metricsUrl() const
{
    return m_metricsServer && m_metricsServer->isListening() ? m_metricsServer->metricsUrl() : QString();
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
        m_errorDialog->setObjectName(QStringLiteral("openErrorDialog"));
        m_errorDialog->setInformativeText(error);
        m_errorDialog->setAttribute(Qt::WA_DeleteOnClose);
        m_errorDialog->open();
        return nullptr;
    }
    auto *window = new SnapshotWindow(path, report, this);
    window->show();
    return window;
}

void MainWindow::showPreviousRun()
{
    if (const std::shared_ptr<const RunReport> previous = m_controller->previousRun())
        (new SnapshotWindow(tr("run %1 (before the restart)").arg(previous->runNumber), *previous, this))->show();
}

void MainWindow::applyControlState(const ControlState &state)
{
    if (m_controller->apply(state))
        showControlState(state);
}

void MainWindow::useAlertRules(std::vector<AlertRule> rules) { m_watch->setAlertRules(std::move(rules), WatchPresenter::KeepInSettings::No); }

ControlState MainWindow::controlState() const
{
    ControlState state = m_controls->state();
    state.io = m_io->controls()->settings();
    return state;
}

void MainWindow::showControlState(const ControlState &state)
{
    m_controls->setState(state);
    m_io->showSettings(state.io);
}
void MainWindow::setChartWindowSeconds(double seconds) { m_charts->setWindowSeconds(seconds); }
double MainWindow::chartWindowSeconds() const { return m_charts->windowSeconds(); }
void MainWindow::toggleLoad() { m_controller->toggleLoad(); }

void MainWindow::restartPool() { m_actions->requestRestart(); }

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_controller->isReadyToQuit()) {
        event->accept();
        return;
    }
    event->ignore(); // the run stops off the GUI thread; readyToQuit() closes the window then
    m_actions->requestQuit();
}

void MainWindow::fitToScreen()
{
    const QRect available = screen()->availableGeometry();
    const QRect frame = frameGeometry();
    const QRect fitted = clampToScreen(frame, available);
    if (fitted == frame)
        return;
    // The frame is what must fit; the widget's own geometry excludes it.
    const QMargins decorations(geometry().left() - frame.left(), geometry().top() - frame.top(),
                               frame.right() - geometry().right(), frame.bottom() - geometry().bottom());
    setGeometry(fitted.marginsRemoved(decorations));
}

void MainWindow::fitColumnsToWidth(int width)
{
    // Each side column gets the width its content asks for, the charts the rest; when the
    // charts would be left too narrow, the counters column starts hidden (View menu).
    const int controls = m_controls->sizeHint().width() + 20;
    const int counters = m_counters->sizeHint().width() + 20;
    const bool roomForCounters = width - controls - counters >= ChartsComfortableWidth;
    setCountersColumnVisible(roomForCounters);
    m_columns->setSizes({controls, width - controls - (roomForCounters ? counters : 0), roomForCounters ? counters : 0});
}

void MainWindow::setCountersColumnVisible(bool visible)
{
    if (m_countersAction)
        m_countersAction->setChecked(visible);
    if (visible == !m_countersColumn->isHidden())
        return;
    if (!visible) {
        m_countersColumn->hide();
        return;
    }
    // Shown again: it takes the width its content asks for from the charts, as far as the
    // charts can give it.
    QList<int> sizes = m_columns->sizes();
    const int spare = sizes[1] - m_charts->minimumSizeHint().width();
    const int wanted = std::min(m_counters->sizeHint().width() + 20, std::max(spare, m_countersColumn->minimumWidth()));
    m_countersColumn->show();
    sizes[1] -= wanted;
    sizes[2] = wanted;
    m_columns->setSizes(sizes);
}

bool MainWindow::isCountersColumnVisible() const { return !m_countersColumn->isHidden(); }

namespace {
constexpr quint32 LayoutVersion = 1;
}

QByteArray MainWindow::saveLayout() const
{
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out << LayoutVersion << m_columns->saveState() << m_middle->saveState() << m_exceptionView->splitter()->saveState()
        << !m_controlsColumn->isHidden() << !m_countersColumn->isHidden();
    return bytes;
}

bool MainWindow::restoreLayout(const QByteArray &layout)
{
    QDataStream in(layout);
    quint32 version = 0;
    QByteArray columns, middle, details;
    bool controlsShown = true, countersShown = true;
    in >> version >> columns >> middle >> details >> controlsShown >> countersShown;
    if (in.status() != QDataStream::Ok || version != LayoutVersion)
        return false;
    // Columns first: showing one after restoreState() would share out the sizes anew.
    m_controlsColumn->setVisible(controlsShown);
    m_controlsAction->setChecked(controlsShown);
    setCountersColumnVisible(countersShown);
    m_columns->restoreState(columns);
    m_middle->restoreState(middle);
    m_exceptionView->splitter()->restoreState(details);
    return true;
}

void MainWindow::onRunStarted(quint64 number)
{
    // The log and the charts describe one run: the new one starts empty; the old one is
    // under Pool -> Previous run.
    m_exceptionModel->clear();
    m_exceptionView->setDroppedCount(0);
    m_charts->startNewRun();
    m_previousRunAction->setEnabled(true);
    m_notices->clearForNewRun();
    showControlState(m_controller->settings());
    statusBar()->showMessage(tr("Run %1 started; run %2 is under Pool → Previous run").arg(number).arg(number - 1), 8000);
}

void MainWindow::showFailure(const QString &typeName, const QString &message, quint64 cancelled)
{
    auto *dialog = new QMessageBox(QMessageBox::Critical, tr("A work unit failed: the pool stopped"),
                                   tr("<b>%1</b><p>%2</p><p>The exception policy is <i>fail fast</i>: the pool stopped "
                                      "accepting work and cancelled what was queued (%3 units).</p>")
                                       .arg(typeName.toHtmlEscaped(), message.toHtmlEscaped(), count(cancelled)),
                                   QMessageBox::NoButton, this);
    dialog->setObjectName(QStringLiteral("failFastDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton *restart = dialog->addButton(tr("Restart pool"), QMessageBox::AcceptRole);
    dialog->addButton(tr("Quit"), QMessageBox::DestructiveRole);
    dialog->addButton(tr("Close"), QMessageBox::RejectRole);
    connect(dialog, &QMessageBox::buttonClicked, this, [this, restart, dialog](QAbstractButton *button) {
        if (button == restart)
            QTimer::singleShot(0, m_controller, &SessionController::restart);
        else if (dialog->buttonRole(button) == QMessageBox::DestructiveRole)
            QTimer::singleShot(0, qApp, &QApplication::closeAllWindows);
    });
    connect(m_controller, &SessionController::runStarted, dialog, &QWidget::close);
    dialog->open(); // window-modal, and the event loop (and the charts) keep running
}

void MainWindow::showError(const QString &what, const QString &detail)
{
    statusBar()->showMessage(QStringLiteral("%1 %2").arg(what, detail), 10000);
    showControlState(m_controller->settings()); // the widgets show what the session runs with
}

void MainWindow::showStatus(const SessionStatus &status)
{
    const bool stopped = status.phase != RunPhase::Running || status.pool.state != PoolState::Running;
    m_controls->setLoadState(status.load);
    m_controls->setPoolStopped(stopped);
    m_notices->showStatus(status);
    QString loadText = tr("Load: %1").arg(utf8(nameOf(status.load)));
    if (status.load == LoadState::Running && status.loadStats.atQueueCap)
        loadText += tr(" (waiting at the queue cap)");
    m_loadLabel->setText(loadText);
    m_poolLabel->setText(tr("Pool: %1 · %2 queued · %3 running")
                             .arg(utf8(nameOf(status.pool.state)), count(status.pool.queued), count(status.pool.inFlight)));
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - status.run.started).count();
    m_runLabel->setText(tr("Run %1 · up %2:%3:%4")
                            .arg(status.run.number)
                            .arg(seconds / 3600)
                            .arg((seconds / 60) % 60, 2, 10, QLatin1Char('0'))
                            .arg(seconds % 60, 2, 10, QLatin1Char('0')));
    m_rateLabel->setText(tr("Sampling %1 Hz · refresh %2 Hz").arg(status.samplingRateHz, 0, 'f', 0).arg(m_controller->refreshRate(), 0, 'f', 0));

    m_drainLabel->setVisible(status.drain.has_value());
    m_cancelDrain->setVisible(status.drain && !status.drain->cancelRequested && status.pool.queued > 0);
    if (status.drain) {
        const auto left = status.drain->deadline - std::chrono::steady_clock::now();
        const QString deadline = status.drain->deadline == std::chrono::steady_clock::time_point::max()
                                     ? tr("no deadline")
                                     : tr("deadline in %1 s").arg(std::max<qint64>(0, std::chrono::ceil<std::chrono::seconds>(left).count()));
        m_drainLabel->setText(tr("%1: %2 queued left · %3 running · %4/s · %5")
                                  .arg(status.drain->cancelRequested ? tr("Cancelling") : tr("Draining"),
                                       count(status.pool.queued), count(status.pool.inFlight),
                                       QLocale().toString(m_controller->completionRate(), 'f', 0), deadline));
    }
}
