#include "sizingactions.h"

#include "comparedruns.h"
#include "comparewindow.h"
#include "sessioncontroller.h"
#include "settingsstore.h"
#include "snapshotwindow.h"
#include "sweepwindow.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSettings>

using namespace poolscope;

void addSizingActions(QWidget *window, QMenu *fileMenu, QMenu *poolMenu, SessionController *controller)
{
    QAction *compare = new QAction(QObject::tr("&Compare runs…"), fileMenu);
    compare->setToolTip(QObject::tr("Two or more saved runs or sweeps side by side"));
    QObject::connect(compare, &QAction::triggered, window, [window] { chooseRunsToCompare(window); });
    const QList<QAction *> fileActions = fileMenu->actions();
    fileMenu->insertAction(fileActions.size() > 1 ? fileActions.at(1) : nullptr, compare); // after Open
    poolMenu->addSeparator();
    QAction *sweep = poolMenu->addAction(QObject::tr("Sizing s&weep…"));
    sweep->setToolTip(QObject::tr("Run the load at each size of a grid and find the knee"));
    QObject::connect(sweep, &QAction::triggered, window, [window, controller] { openSweepWindow(window, controller); });
}

SweepWindow *openSweepWindow(QWidget *parent, SessionController *controller)
{
    auto *window = new SweepWindow([controller] { return toSessionSettings(controller->settings()); }, parent);
    QObject::connect(window, &SweepWindow::sweepStarted, controller, &SessionController::stopLoad);
    QObject::connect(window, &SweepWindow::openRunRequested, window, [window](const QString &label, const RunReport &report) {
        (new SnapshotWindow(label, report, window))->show();
    });
    QObject::connect(window, &SweepWindow::compareRequested, window,
                     [window](const std::vector<std::pair<QString, RunReport>> &points) {
                         std::vector<ComparedRun> runs;
                         for (const auto &[label, report] : points)
                             runs.push_back({label, report});
                         openComparison(window, runs);
                     });
    window->show();
    return window;
}

CompareWindow *chooseRunsToCompare(QWidget *parent)
{
    QSettings settings;
    SettingsStore store(settings);
    ExportPreferences preferences = store.loadExportPreferences();
    const QStringList paths = QFileDialog::getOpenFileNames(parent, QObject::tr("Compare saved runs"), preferences.folder,
                                                            QObject::tr("Snapshots and sweeps (*.json);;All files (*)"));
    if (paths.isEmpty())
        return nullptr;
    preferences.folder = QFileInfo(paths.first()).absolutePath();
    store.saveExportPreferences(preferences);
    std::vector<ComparedRun> runs;
    QString error;
    for (const QString &path : paths)
        if (!readRunsForComparison(path, runs, error)) {
            QMessageBox::warning(parent, QObject::tr("Compare runs"), QObject::tr("A file could not be read: %1").arg(error));
            return nullptr;
        }
    if (runs.size() < 2) {
        QMessageBox::information(parent, QObject::tr("Compare runs"),
                                 QObject::tr("Pick two or more runs (or a sweep, whose points are runs) to compare."));
        return nullptr;
    }
    return openComparison(parent, runs);
}

CompareWindow *openComparison(QWidget *parent, const std::vector<ComparedRun> &runs)
{
    auto *window = new CompareWindow(runs, parent);
    window->show();
    return window;
}
