// Poolscope: wires the pool session, the window and the settings together. No logic here.

#include "commandline.h"
#include "headlessoptions.h"
#include "headlessrun.h"
#include "mainwindow.h"
#include "metricsserver.h"
#include "poolsession.h"
#include "safefilewriter.h"
#include "sessioncontroller.h"
#include "settingsstore.h"
#include "stopsignals.h"

#include <QApplication>
#include <QBuffer>
#include <QPixmap>
#include <QScreen>
#include <QSettings>
#include <QTimer>

#include <cstdio>
#include <ostream>
#include <exception>

namespace {
int headlessMain(int argc, char **argv)
{
    QCoreApplication app(argc, argv); // no display needed
    QCoreApplication::setApplicationName(QStringLiteral("Poolscope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(POOLSCOPE_VERSION));
    HeadlessOptions options;
    QString error;
    bool parsed = false;
    try { // a failure at the input boundary (e.g. out of memory) is a bad input: exit 2
        parsed = parseHeadlessOptions(QCoreApplication::arguments(), options, error);
    } catch (const std::exception &e) {
        error = QStringLiteral("cannot read the options: %1").arg(QString::fromLocal8Bit(e.what()));
    }
    if (!parsed) {
        std::fprintf(stderr, "poolscope: %s\n", qPrintable(elideMessage(error)));
        return 2;
    }
    return runHeadless(options);
}
} // namespace

int main(int argc, char **argv)
{
    if (wantsHeadless(argc, argv)) {
        installStopSignals(); // first: a signal at any point of a headless run still yields its exports
        const int status = headlessMain(argc, argv);
        restoreStopSignals();
        return status;
    }
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Poolscope"));
    QApplication::setApplicationName(QStringLiteral("Poolscope"));
    QApplication::setApplicationVersion(QStringLiteral(POOLSCOPE_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/poolscope.png")));

    AppOptions options;
    QString error;
    if (!parseCommandLine(QApplication::arguments(), options, error)) {
        std::fprintf(stderr, "poolscope: %s\n", qPrintable(elideMessage(error)));
        return 2;
    }

    QSettings settings;
    SettingsStore store(settings);
    if (options.resetSettings)
        store.clear();
    ControlState controls = store.loadControls();
    if (!options.ioOptions.empty() || !options.ioScratchFolder.isEmpty()) {
        controls.io = options.ioLoadOver(controls.io);
        // Each value was in range; the whole must be too (a saved value may not be).
        if (const std::string problem = controls.io.validate(); !problem.empty()) {
            std::fprintf(stderr, "poolscope: the I/O load asked for: %s\n", problem.c_str());
            return 2;
        }
    }

    // The saved controls start the session; values it refuses leave the defaults.
    poolscope::SessionSettings start;
    if (toSessionSettings(controls).validate().empty())
        start = toSessionSettings(controls);
    poolscope::PoolSession session(start);
    MainWindow window(session);
    if (const QByteArray geometry = store.loadGeometry(); !geometry.isEmpty() && window.restoreGeometry(geometry))
        window.fitToScreen(); // saved on a larger screen, or on one that is gone
    if (const QByteArray layout = store.loadWindowLayout(); !layout.isEmpty())
        window.restoreLayout(layout);
    window.setChartWindowSeconds(store.loadChartWindow());
    window.show();
    if (options.serveMetrics) {
        QString serveError;
        if (!window.serveMetrics(*options.serveMetrics, serveError)) {
            std::fprintf(stderr, "poolscope: --serve-metrics: %s\n", qPrintable(serveError));
            return 2;
        }
        std::fprintf(stderr, "poolscope: serving metrics at %s\n", qPrintable(window.metricsUrl()));
    }
    for (const QString &snapshot : options.snapshots)
        window.openSnapshot(snapshot);
    if (options.alertRules)
        window.useAlertRules(*options.alertRules); // for this session only

    if (options.startLoad)
        window.toggleLoad();
    if (!options.screenshotFile.isEmpty()) {
        QTimer::singleShot(static_cast<int>(options.screenshotDelay * 1000), &window, [&] {
            QByteArray png;
            QBuffer buffer(&png);
            buffer.open(QIODevice::WriteOnly);
            std::string writeError = "the picture could not be encoded";
            const QPixmap picture = options.screenshotScreen ? window.screen()->grabWindow(0) : window.grab();
            if (!picture.save(&buffer, "PNG") ||
                !poolscope::writeFileSafely(options.screenshotFile.toStdString(),
                                            [&png](std::ostream &out) { out.write(png.constData(), png.size()); }, writeError)) {
                std::fprintf(stderr, "poolscope: could not write the screenshot: %s\n", writeError.c_str());
                QApplication::exit(1);
                return;
            }
            std::fprintf(stderr, "poolscope: screenshot written to %s\n", qPrintable(options.screenshotFile));
            QApplication::quit();
        });
    }

    const int status = QApplication::exec();
    if (options.screenshotFile.isEmpty()) { // a scripted screenshot run leaves the user's settings alone
        store.saveControls(window.controlState());
        store.saveGeometry(window.saveGeometry());
        store.saveWindowLayout(window.saveLayout());
        store.saveChartWindow(window.chartWindowSeconds());
        if (QString saveError; !store.flush(saveError))
            std::fprintf(stderr, "poolscope: %s\n", qPrintable(saveError));
    }
    return status;
}
