#include "snapshotwindow.h"

#include "chartspanel.h"
#include "counterspanel.h"
#include "exceptionlogmodel.h"
#include "exceptionlogview.h"
#include "rundescription.h"
#include "sidecolumn.h"
#include "windowfit.h"

#include <QAction>
#include <QApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QSplitter>
#include <QTabWidget>
#include <QTextDocument>
#include <QTimer>
#include <QVBoxLayout>

using namespace poolscope;

namespace {
QString name(std::string_view text) { return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size())); }

// A saved run's strings come from a file: a long one must not make the word-wrapped summary
// (and so the window) as wide as the string.
QString elideForDisplay(const QString &text)
{
    constexpr qsizetype MaxChars = 80;
    return text.size() <= MaxChars ? text : text.left(MaxChars - 1) + QChar(0x2026);
}

} // namespace

SnapshotWindow::SnapshotWindow(const QString &path, const RunReport &report, QWidget *parent)
    : QMainWindow(parent, Qt::Window), m_charts(new ChartsPanel), m_counters(new CountersPanel),
      m_exceptions(new ExceptionLogModel(this)), m_summary(new QLabel)
{
    setAttribute(Qt::WA_DeleteOnClose);
    setWindowTitle(tr("%1 — Poolscope (saved run, read-only)").arg(QFileInfo(path).fileName()));

    const QString exported = QDateTime::fromMSecsSinceEpoch(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                report.exportedAt.time_since_epoch()).count())
                                 .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // One arg() call with every value as a string: a value that itself contains "%1" is then
    // text, not a placeholder for the next value (chained arg() calls would expand it).
    const auto field = [](const std::string &text) { return elideForDisplay(QString::fromStdString(text)).toHtmlEscaped(); };
    m_summary->setText(
        tr("<b>Saved run</b> %1 · exported %2 after %3 s · Poolscope %4 · %5 on %6 processors, %7<br>"
           "<b>Pool</b> %8, on exception: %9 · <b>Load</b> (%10) %11 · %12 samples at %13 Hz")
            .arg(elideForDisplay(QFileInfo(path).fileName()).toHtmlEscaped(), exported,
                 QLocale().toString(report.durationSeconds, 'f', 1), field(report.poolscopeVersion), field(report.backend),
                 QString::number(report.processors), field(report.operatingSystem), describePool(report.pool.workers, report.pool.concurrency).toHtmlEscaped(),
                 name(nameOf(report.pool.policy)), field(report.loadState), describeLoad(report.load).toHtmlEscaped(),
                 QLocale().toString(qulonglong(report.history.size())), QString::number(report.sampleRateHz)));
    m_summary->setStyleSheet(QStringLiteral("QLabel { background: #fff8e1; border-bottom: 1px solid #e0c870; padding: 6px; }"));

    m_charts->appendSamples(report.history);
    m_charts->showSavedRun(); // "Whole run" in the selector and on the charts

    Sample last;
    last.pool = report.counters;
    last.postsPerSecond = report.postsPerSecond;
    last.completionsPerSecond = report.completionsPerSecond;
    last.failuresPerSecond = report.failuresPerSecond;
    if (!report.history.empty()) {
        last.queueWait = report.history.back().queueWait;
        last.serviceTime = report.history.back().serviceTime;
    }
    m_counters->showSample(last);
    m_counters->showLatencySinceStart(report.queueWaitSinceStart, report.serviceTimeSinceStart);
    m_counters->setReadOnly(QString::fromStdString(report.backend));
    m_exceptions->setSummaries(report.exceptions);

    auto *exceptionView = new ExceptionLogView(m_exceptions);
    exceptionView->setDroppedCount(report.counters.exceptionReportsDropped);
    exceptionView->setReadOnly();
    auto *tabs = new QTabWidget;
    tabs->addTab(exceptionView, tr("Exceptions (%1)").arg(QLocale().toString(m_exceptions->totalCount())));

    auto *middle = new QSplitter(Qt::Vertical);
    middle->addWidget(m_charts);
    middle->addWidget(tabs);
    middle->setStretchFactor(0, 3);
    middle->setStretchFactor(1, 1);
    auto *main = new QSplitter(Qt::Horizontal);
    main->addWidget(middle);
    main->addWidget(verticalScroller(m_counters));
    main->setStretchFactor(0, 1);
    main->setChildrenCollapsible(false);

    auto *central = new QWidget;
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_summary);
    layout->addWidget(main, 1);
    setCentralWidget(central);
    resize(firstWindowSize({1400, 900}, screen()->availableGeometry()));

    // Keys of a document window: Esc and Ctrl+W close this one. Ctrl+Q here would otherwise
    // quit the whole app, the live run included, from a window that only shows a file.
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *close = file->addAction(tr("&Close"), QKeySequence::Close, this, &QWidget::close);
    close->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_W), QKeySequence(Qt::Key_Escape)});
    file->addAction(tr("&Quit Poolscope…"), QKeySequence(Qt::CTRL | Qt::Key_Q), this, &SnapshotWindow::askToQuit);
}

void SnapshotWindow::askToQuit()
{
    if (m_quitQuestion)
        return;
    m_quitQuestion = new QMessageBox(QMessageBox::Question, tr("Quit Poolscope"),
                                     tr("Quit Poolscope? The live run in the main window stops too.\n\n"
                                        "To close only this saved run, use Ctrl+W or Esc."),
                                     QMessageBox::NoButton, this);
    m_quitQuestion->setObjectName(QStringLiteral("quitFromSnapshotDialog"));
    m_quitQuestion->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton *quit = m_quitQuestion->addButton(tr("Quit Poolscope"), QMessageBox::DestructiveRole);
    QPushButton *closeOnly = m_quitQuestion->addButton(tr("Close this window only"), QMessageBox::AcceptRole);
    m_quitQuestion->setDefaultButton(m_quitQuestion->addButton(QMessageBox::Cancel));
    connect(m_quitQuestion, &QMessageBox::buttonClicked, this, [this, quit, closeOnly](QAbstractButton *button) {
        if (button == quit)
            QTimer::singleShot(0, qApp, &QApplication::closeAllWindows); // the live window asks if a drain runs
        else if (button == closeOnly)
            QTimer::singleShot(0, this, &QWidget::close);
    });
    m_quitQuestion->open();
}

QString SnapshotWindow::summaryText() const
{
    QTextDocument document;
    document.setHtml(m_summary->text());
    return document.toPlainText();
}
