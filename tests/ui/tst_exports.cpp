// The File menu's exports and File -> Open, as a user meets them: every kind writes a file
// that reads back; an unwritable path gives an error dialog, leaves nothing behind and does
// not disturb the pool; a big export runs while the pool keeps completing and the window
// keeps drawing; a saved snapshot opens read-only with its charts and exception log.

#include "chartspanel.h"
#include "counterspanel.h"
#include "exceptionlogmodel.h"
#include "exportcontroller.h"
#include "mainwindow.h"
#include "poolsession.h"
#include "sessioncontroller.h"
#include "snapshotreader.h"
#include "snapshotwindow.h"

#include <QApplication>
#include <QFileDialog>
#include <QImage>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>

using namespace poolscope;
using Kind = ExportController::Kind;

namespace {

ControlState busyState()
{
    ControlState state;
    state.workers = 2;
    state.concurrency = 2;
    state.load.ratePerSecond = 20'000;
    state.load.meanCost = std::chrono::microseconds(5);
    state.load.exceptionProbability = 0.01;
    state.load.exceptionType = ThrownType::RuntimeError;
    return state;
}

// A shown window whose pool is under load with some exceptions, with a few samples drawn.
void startBusyRun(MainWindow &window)
{
    window.applyControlState(busyState());
    window.show();
    window.toggleLoad();
    QTRY_VERIFY(window.findChild<ExceptionLogModel *>()->rowCount() > 0);
    QTRY_VERIFY(window.findChild<ChartsPanel *>()->pointCount() >= 10);
}

ExportController *exportsOf(const MainWindow &window) { return window.findChild<ExportController *>(); }

QStringList leftovers(const QTemporaryDir &folder)
{
    return QDir(folder.path()).entryList({QStringLiteral("*tmp*"), QStringLiteral("*.new")}, QDir::Files | QDir::Hidden);
}

} // namespace

class TestExports : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void everyKindWritesAFileThatReadsBack_data();
    void everyKindWritesAFileThatReadsBack();
    void pdfPagesAreAPaperSizeOrThePicture_data();
    void pdfPagesAreAPaperSizeOrThePicture();
    void chartWindowLimitsTheHistory();
    void fileDialogRemembersTheFolder();
    void unwritablePathShowsAnErrorAndLeavesNothing();
    void exportDuringHeavyLoadDoesNotStallThePool();
    void savedSnapshotOpensReadOnly();
    void badSnapshotsAreRefusedWithAReason_data();
    void badSnapshotsAreRefusedWithAReason();
};

void TestExports::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // the export preferences go to a test location
    QCoreApplication::setOrganizationName(QStringLiteral("PoolscopeTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_exports"));
    QSettings().clear();
}

void TestExports::everyKindWritesAFileThatReadsBack_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("file");
    QTest::newRow("snapshot") << int(Kind::Snapshot) << "run.json";
    QTest::newRow("time series") << int(Kind::TimeSeries) << "run.csv";
    QTest::newRow("metrics") << int(Kind::Metrics) << "run.txt";
    QTest::newRow("prometheus") << int(Kind::PrometheusMetrics) << "run.prom";
    QTest::newRow("png") << int(Kind::ChartsPng) << "charts.png";
    QTest::newRow("pdf") << int(Kind::ChartsPdf) << "charts.pdf";
}

void TestExports::everyKindWritesAFileThatReadsBack()
{
    QFETCH(int, kind);
    QFETCH(QString, file);
    PoolSession session;
    MainWindow window(session);
    startBusyRun(window);
    if (QTest::currentTestFailed())
        return;

    QTemporaryDir folder;
    const QString path = folder.filePath(file);
    QSignalSpy exported(exportsOf(window), &ExportController::exported);
    // A PDF on the default page, A4 landscape; a PNG of the picture size.
    QVERIFY(exportsOf(window)->exportTo(Kind(kind), path, true, QSize(900, 600), PdfPage::A4Landscape));
    QVERIFY(exportsOf(window)->isBusy());
    QVERIFY(!exportsOf(window)->exportTo(Kind(kind), path)); // one at a time
    QTRY_COMPARE(exported.count(), 1);
    QCOMPARE(exported.first().at(0).toString(), path);
    QCOMPARE(exported.first().at(1).toLongLong(), QFileInfo(path).size());
    QVERIFY(!exportsOf(window)->isBusy());
    QVERIFY(leftovers(folder).isEmpty());

    QFile written(path);
    QVERIFY(written.open(QIODevice::ReadOnly));
    const QByteArray bytes = written.readAll();
    switch (Kind(kind)) {
    case Kind::Snapshot: {
        RunReport report;
        QString error;
        QVERIFY2(readSnapshot(bytes, report, error), qPrintable(error));
        QCOMPARE(report.pool.workers, 2u);
        QCOMPARE(report.load.ratePerSecond, 20'000.0);
        QCOMPARE(report.loadState, std::string("running"));
        QVERIFY(report.history.size() >= 10);
        QVERIFY(!report.exceptions.empty());
        QCOMPARE(report.exceptions.size(), std::size_t(window.findChild<ExceptionLogModel *>()->rowCount()));
        QVERIFY(report.counters.posted > 0);
        QCOMPARE(report.counters.identityError(), 0);
        break;
    }
    case Kind::TimeSeries: {
        const QStringList rows = QString::fromUtf8(bytes).split(QStringLiteral("\r\n"), Qt::SkipEmptyParts);
        QVERIFY(rows.size() >= 11); // header + samples
        QVERIFY(rows.first().startsWith(QStringLiteral("sequence,")));
        const qsizetype columns = rows.first().count(QLatin1Char(',')) + 1;
        QCOMPARE(rows.last().count(QLatin1Char(',')) + 1, columns);
        break;
    }
    case Kind::Metrics:
        QVERIFY(bytes.contains("# TYPE poolscope_units_posted counter"));
        QVERIFY(bytes.endsWith("# EOF\n"));
        break;
    case Kind::PrometheusMetrics: // the flavour promtool checks: counters named _total, no "# EOF"
        QVERIFY(bytes.contains("# TYPE poolscope_units_posted_total counter"));
        QVERIFY(!bytes.contains("# EOF"));
        break;
    case Kind::ChartsPng: {
        const QImage image = QImage::fromData(bytes, "PNG");
        QCOMPARE(image.size(), QSize(900, 600));
        // Drawn charts, not a blank page: more than a handful of distinct colours.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7)
            for (int x = 0; x < image.width(); x += 7)
                colours.insert(image.pixel(x, y));
        QVERIFY2(colours.size() > 10, qPrintable(QString::number(colours.size())));
        if (const QString artifacts = qEnvironmentVariable("POOLSCOPE_ARTIFACTS"); !artifacts.isEmpty()) {
            QDir().mkpath(artifacts); // for a person to look at
            QFile::remove(QDir(artifacts).filePath(QStringLiteral("exported-charts.png")));
            QFile::copy(path, QDir(artifacts).filePath(QStringLiteral("exported-charts.png")));
        }
        break;
    }
    case Kind::ChartsPdf:
        QVERIFY(bytes.startsWith("%PDF-"));
        QVERIFY2(bytes.contains("/MediaBox [0 0 842.000000 595.000000]"), bytes.mid(bytes.indexOf("/MediaBox"), 40).constData());
        QVERIFY(bytes.size() > 5000);
        if (const QString artifacts = qEnvironmentVariable("POOLSCOPE_ARTIFACTS"); !artifacts.isEmpty()) {
            QDir().mkpath(artifacts); // for a person to look at (docs/ shows it as a PNG)
            QFile::remove(QDir(artifacts).filePath(QStringLiteral("exported-charts.pdf")));
            QFile::copy(path, QDir(artifacts).filePath(QStringLiteral("exported-charts.pdf")));
        }
        break;
    }
    session.stopLoad();
}

void TestExports::pdfPagesAreAPaperSizeOrThePicture_data()
{
    QTest::addColumn<int>("page");
    QTest::addColumn<QByteArray>("mediaBox");
    QTest::newRow("A4 landscape") << int(PdfPage::A4Landscape) << QByteArray("/MediaBox [0 0 842.000000 595.000000]");
    QTest::newRow("Letter landscape") << int(PdfPage::LetterLandscape) << QByteArray("/MediaBox [0 0 792.000000 612.000000]");
    QTest::newRow("picture size") << int(PdfPage::PictureSize) << QByteArray("/MediaBox [0 0 1200.000000 700.000000]");
}

void TestExports::pdfPagesAreAPaperSizeOrThePicture()
{
    QFETCH(int, page);
    QFETCH(QByteArray, mediaBox);
    PoolSession session({.workers = 1});
    MainWindow window(session);
    QTemporaryDir folder;
    const QString path = folder.filePath(QStringLiteral("charts.pdf"));
    QSignalSpy exported(exportsOf(window), &ExportController::exported);
    QVERIFY(exportsOf(window)->exportTo(Kind::ChartsPdf, path, true, QSize(1200, 700), PdfPage(page)));
    QTRY_COMPARE(exported.count(), 1);
    QFile written(path);
    QVERIFY(written.open(QIODevice::ReadOnly));
    const QByteArray bytes = written.readAll();
    QVERIFY2(bytes.contains(mediaBox), bytes.mid(bytes.indexOf("/MediaBox"), 40).constData());
    // The preference persists as a name.
    ExportPreferences preferences;
    preferences.pdfPage = PdfPage(page);
    QSettings settings;
    SettingsStore(settings).saveExportPreferences(preferences);
    QCOMPARE(SettingsStore(settings).loadExportPreferences().pdfPage, PdfPage(page));
}

void TestExports::chartWindowLimitsTheHistory()
{
    PoolSession session({}, {.rateHz = 100, .capacity = 10'000, .autoStart = false});
    MainWindow window(session);
    window.show(); // only the samples taken here (the session's sampler does not run): both exports see the same ring
    // At least half a second of samples (each wait is at least 10 ms); how far apart a busy
    // machine spreads them does not matter: the expected window is computed from their times.
    for (int i = 0; i < 50; ++i) {
        session.sampleNow();
        QTest::qWait(10);
    }
    window.findChild<ChartsPanel *>()->setWindowSeconds(0.2);
    QTemporaryDir folder;
    QSignalSpy exported(exportsOf(window), &ExportController::exported);
    const QString whole = folder.filePath(QStringLiteral("whole.json")), recent = folder.filePath(QStringLiteral("recent.json"));
    QVERIFY(exportsOf(window)->exportTo(Kind::Snapshot, whole, true));
    QTRY_COMPARE(exported.count(), 1);
    QVERIFY(exportsOf(window)->exportTo(Kind::Snapshot, recent, false));
    QTRY_COMPARE(exported.count(), 2);
    RunReport all, windowed;
    QString error;
    QVERIFY2(readSnapshot(whole, all, error), qPrintable(error));
    QVERIFY2(readSnapshot(recent, windowed, error), qPrintable(error));
    QVERIFY(all.history.size() >= 50);
    // The samples of the last 0.2 s before the newest, and only those.
    const std::uint64_t newest = all.history.back().pool.timestampNs;
    const auto inWindow = static_cast<std::size_t>(std::count_if(all.history.begin(), all.history.end(), [&](const Sample &sample) {
        return sample.pool.timestampNs + 200'000'000 >= newest;
    }));
    QVERIFY(inWindow < all.history.size()); // the samples span at least 0.49 s
    QVERIFY2(windowed.history.size() == inWindow,
             qPrintable(QStringLiteral("%1, expected %2 of %3").arg(windowed.history.size()).arg(inWindow).arg(all.history.size())));
    // The window is the newest samples: both end with the same one.
    QCOMPARE(windowed.history.back().sequence, all.history.back().sequence);
}

void TestExports::fileDialogRemembersTheFolder()
{
    PoolSession session;
    MainWindow window(session);
    window.show();
    QTRY_VERIFY(window.findChild<ChartsPanel *>()->pointCount() >= 2);
    QTemporaryDir folder;
    const QString path = folder.filePath(QStringLiteral("remembered.csv"));
    // The dialogs are modal: answer them from a timer, as a user would.
    bool answered = false;
    QTimer::singleShot(300, this, [&] {
        auto *files = qobject_cast<QFileDialog *>(QApplication::activeModalWidget());
        if (!files)
            return;
        files->selectFile(path); // goes to the folder; the name is typed, as a user would
        if (auto *name = files->findChild<QLineEdit *>(QStringLiteral("fileNameEdit")))
            name->setText(QFileInfo(path).fileName());
        QMetaObject::invokeMethod(files, "accept"); // the Save button
        QTimer::singleShot(300, this, [&] {
            if (auto *options = qobject_cast<QDialog *>(QApplication::activeModalWidget())) {
                answered = true;
                options->accept(); // the whole history
            }
        });
    });
    QSignalSpy exported(exportsOf(window), &ExportController::exported);
    QSignalSpy failed(exportsOf(window), &ExportController::exportFailed);
    exportsOf(window)->chooseFileAndExport(Kind::TimeSeries);
    QVERIFY(answered);
    QTRY_COMPARE(exported.count() + failed.count(), 1);
    QCOMPARE(exported.value(0).value(0).toString(), path);
    QTRY_VERIFY(!exportsOf(window)->isBusy());

    QString offered;
    QTimer::singleShot(300, this, [&] {
        if (auto *files = qobject_cast<QFileDialog *>(QApplication::activeModalWidget())) {
            offered = files->directory().absolutePath();
            files->reject();
        }
    });
    exportsOf(window)->chooseFileAndExport(Kind::Snapshot);
    QCOMPARE(offered, QDir(folder.path()).absolutePath()); // the next export starts where the last one went
}

void TestExports::unwritablePathShowsAnErrorAndLeavesNothing()
{
    PoolSession session;
    MainWindow window(session);
    window.applyControlState(busyState());
    window.show();
    window.toggleLoad();
    QTRY_VERIFY(window.findChild<ChartsPanel *>()->pointCount() >= 3);

    QTemporaryDir folder;
    // A path whose name is taken by a folder: even root cannot write a file there.
    const QString taken = folder.filePath(QStringLiteral("taken.json"));
    QVERIFY(QDir().mkdir(taken));
    QSignalSpy failed(exportsOf(window), &ExportController::exportFailed);
    for (const QString &path : {taken, QStringLiteral("/no/such/folder/run.json")}) {
        failed.clear();
        QVERIFY(exportsOf(window)->exportTo(Kind::Snapshot, path));
        QTRY_COMPARE(failed.count(), 1);
        QVERIFY2(failed.first().at(1).toString().contains(path), qPrintable(failed.first().at(1).toString()));
        QTRY_VERIFY(exportsOf(window)->errorDialog() && exportsOf(window)->errorDialog()->isVisible());
        QVERIFY(exportsOf(window)->errorDialog()->informativeText().contains(path));
        exportsOf(window)->errorDialog()->close();
    }
    QVERIFY(QFileInfo(taken).isDir());
    QVERIFY2(leftovers(folder).isEmpty(), qPrintable(leftovers(folder).join(QLatin1Char(' '))));
    QVERIFY(exportsOf(window)->exportTo(Kind::ChartsPng, taken)); // images go through QSaveFile
    QTRY_COMPARE(failed.count(), 1);
    QVERIFY(leftovers(folder).isEmpty());

    // The pool was not disturbed: it is running and still completing.
    const std::uint64_t completed = session.status().pool.completed;
    QTRY_VERIFY(session.status().pool.completed > completed);
    QCOMPARE(session.status().pool.state, PoolState::Running);
    session.stopLoad();
}

void TestExports::exportDuringHeavyLoadDoesNotStallThePool()
{
    PoolSession session({}, {.rateHz = 20, .capacity = 60'000});
    MainWindow window(session);
    ControlState state = busyState();
    state.load.pattern = LoadPattern::AsFastAsPossible;
    state.load.meanCost = std::chrono::microseconds(0);
    state.load.queueCap = 100'000;
    window.applyControlState(state);
    window.show();
    window.toggleLoad();
    // The samples below are taken within a second or so: charts drawing all of them at once
    // would measure QCustomPlot, not the export. The pool and the event loop still run.
    window.findChild<SessionController *>()->stopRefreshing();
    // 20,000 samples: a JSON file of over ten megabytes, seconds of formatting. (60,000 real
    // samples took minutes to take in the ASan build of a busy machine, past the test's limit.)
    for (int i = 0; i < 20'000; ++i)
        session.sampleNow();

    QTemporaryDir folder;
    QSignalSpy exported(exportsOf(window), &ExportController::exported);
    QVERIFY(exportsOf(window)->exportTo(Kind::Snapshot, folder.filePath(QStringLiteral("big.json"))));
    int polls = 0, advances = 0;
    bool progressShown = false;
    std::uint64_t last = session.status().pool.completed;
    QElapsedTimer elapsed;
    elapsed.start();
    while (exportsOf(window)->isBusy() && elapsed.elapsed() < 120'000) {
        QTest::qWait(20); // the GUI thread's event loop turns meanwhile
        ++polls;
        progressShown = progressShown || (exportsOf(window)->progressDialog() && exportsOf(window)->progressDialog()->isVisible());
        const std::uint64_t now = session.status().pool.completed;
        advances += now > last;
        last = now;
    }
    QCOMPARE(exported.count(), 1);
    qInfo("a %lld-byte snapshot took %lld ms; the pool completed units between %d of %d event-loop turns",
          exported.first().at(1).toLongLong(), elapsed.elapsed(), advances, polls);
    // A write that outlasts the half second shows its progress, and the dialog goes with it.
    if (elapsed.elapsed() > 1000)
        QVERIFY(progressShown);
    QVERIFY(!exportsOf(window)->progressDialog() || !exportsOf(window)->progressDialog()->isVisible());
    QVERIFY2(exported.first().at(1).toLongLong() > 10'000'000, qPrintable(exported.first().at(1).toString()));
    // The event loop ran during the write, and the pool completed units between its turns.
    QVERIFY2(polls >= 3, qPrintable(QString::number(polls)));
    // Not stalled by the export: the pool moved between most turns (a quarter at least, since a
    // busy machine may run neither the workers nor the GUI for a turn or two).
    QVERIFY2(advances * 4 >= polls && advances > 0, qPrintable(QStringLiteral("%1 of %2").arg(advances).arg(polls)));
    session.stopLoad();
}

void TestExports::savedSnapshotOpensReadOnly()
{
    QTemporaryDir folder;
    const QString path = folder.filePath(QStringLiteral("saved.json"));
    PoolSession session;
    MainWindow window(session);
    startBusyRun(window);
    if (QTest::currentTestFailed())
        return;
    session.stopLoad();
    QSignalSpy exported(exportsOf(window), &ExportController::exported);
    QVERIFY(exportsOf(window)->exportTo(Kind::Snapshot, path));
    QTRY_COMPARE(exported.count(), 1);
    RunReport report;
    QString error;
    QVERIFY2(readSnapshot(path, report, error), qPrintable(error));

    SnapshotWindow *saved = window.openSnapshot(path);
    QVERIFY(saved);
    QVERIFY(saved->isVisible());
    QVERIFY(saved->windowTitle().contains(QStringLiteral("saved.json")));
    QVERIFY(saved->windowTitle().contains(QStringLiteral("read-only")));
    QCOMPARE(saved->charts()->pointCount(), int(report.history.size()));
    QVERIFY(!saved->charts()->isFollowing());
    QCOMPARE(saved->exceptionLog()->rowCount(), int(report.exceptions.size()));
    quint64 thrown = 0;
    for (const ExceptionSummary &e : report.exceptions)
        thrown += e.count;
    QCOMPARE(saved->exceptionLog()->totalCount(), thrown);
    QCOMPARE(saved->counters()->valueText(QStringLiteral("posted")), QLocale().toString(qulonglong(report.counters.posted)));
    QVERIFY(saved->summaryText().contains(QStringLiteral("2 workers")));
    for (const QPushButton *button : saved->findChildren<QPushButton *>()) // nothing to reset in a saved run
        QVERIFY(!button->isVisible() || button->text() != QStringLiteral("Reset peaks"));
    // The live window goes on: the saved one is a copy, not a view of the session.
    const int livePoints = window.findChild<ChartsPanel *>()->pointCount();
    window.toggleLoad();
    QTRY_VERIFY(window.findChild<ChartsPanel *>()->pointCount() > livePoints);
    QCOMPARE(saved->charts()->pointCount(), int(report.history.size()));
    session.stopLoad();
    saved->close();

    // A file that is not a snapshot: no window, an error dialog that names the reason.
    const QString junk = folder.filePath(QStringLiteral("junk.json"));
    QFile file(junk);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\"hello\": 1}");
    file.close();
    QVERIFY(!window.openSnapshot(junk));
    QVERIFY(window.findChild<QMessageBox *>(QStringLiteral("openErrorDialog")) && window.findChild<QMessageBox *>(QStringLiteral("openErrorDialog"))->isVisible());
    QVERIFY(window.findChild<QMessageBox *>(QStringLiteral("openErrorDialog"))->informativeText().contains(QStringLiteral("not a Poolscope snapshot")));
}

void TestExports::badSnapshotsAreRefusedWithAReason_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("reason");
    QTest::newRow("not JSON") << QByteArray("{\"format\": 1,") << "not JSON";
    QTest::newRow("an array") << QByteArray("[1, 2]") << "not a Poolscope snapshot";
    QTest::newRow("no counters") << QByteArray("{\"format\": 1}") << "not a Poolscope snapshot";
    QTest::newRow("newer format") << QByteArray("{\"format\": 3, \"counters\": {}}") << "unsupported format 3";
}

void TestExports::badSnapshotsAreRefusedWithAReason()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, reason);
    RunReport report;
    report.backend = "untouched";
    QString error;
    QVERIFY(!readSnapshot(json, report, error));
    QVERIFY2(error.contains(reason), qPrintable(error));
    QCOMPARE(report.backend, std::string("untouched"));
}

QTEST_MAIN(TestExports)
#include "tst_exports.moc"
