// Not a test: makes the README's pictures of the Sweep window and of a comparison. Runs a real
// sweep of a demo load, grabs the whole screen (window frame included) when it is done, then
// opens three of its points side by side and grabs again. Under Xvfb with a window manager:
//   xvfb-run -a -s "-screen 0 1280x720x24" sh -c 'openbox & sleep 1; sizing_screenshots docs'

#include "comparewindow.h"
#include "sizingactions.h"
#include "sweepwindow.h"

#include <QApplication>
#include <QDir>
#include <QLineEdit>
#include <QScreen>
#include <QTimer>

#include <cstdio>

using namespace poolscope;
using namespace std::chrono_literals;

namespace {

void grabScreenLater(const QString &path, std::function<void()> next)
{
    QTimer::singleShot(1500, qApp, [path, next = std::move(next)] {
        const bool saved = QGuiApplication::primaryScreen()->grabWindow(0).save(path);
        std::fprintf(stderr, "%s %s\n", saved ? "wrote" : "could not write", qPrintable(path));
        next();
    });
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    app.setApplicationVersion(QStringLiteral("screenshot"));
    const QString folder = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QDir::currentPath();

    SessionSettings settings;
    // Half the units block for 2 ms: one worker cannot keep up, a few can.
    settings.load.ratePerSecond = 2000;
    settings.load.meanCost = 100us;
    settings.load.blockingShare = 0.5;
    settings.load.blockingTime = 2000us;
    auto *sweep = new SweepWindow([settings] { return settings; });
    sweep->gridEdit()->setText(QStringLiteral("workers=1..16,concurrency=0,4"));
    sweep->setTimes(0.5, 1.5, 20);
    sweep->resize(1270, 680);
    sweep->move(0, 0);
    sweep->show();
    QObject::connect(sweep, &SweepWindow::sweepFinished, sweep, [sweep, folder] {
        grabScreenLater(QDir(folder).filePath(QStringLiteral("sweep-window.png")), [sweep, folder] {
            const auto &points = sweep->result()->points;
            const std::optional<std::size_t> knee = sweep->result()->knee().index;
            std::vector<ComparedRun> runs;
            for (const std::size_t i : {std::size_t(0), knee.value_or(points.size() / 2), points.size() - 1})
                runs.push_back({sizeLabel(points[i].figures.workers, points[i].figures.concurrency), points[i].report});
            CompareWindow *compare = openComparison(nullptr, runs);
            compare->resize(1270, 680);
            compare->move(0, 0);
            compare->raise();
            grabScreenLater(QDir(folder).filePath(QStringLiteral("compare-runs.png")), [] { qApp->quit(); });
        });
    });
    QTimer::singleShot(500, sweep, [sweep] { sweep->startSweep(); });
    return app.exec();
}
