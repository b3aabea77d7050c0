#include "snapshotwindow.h"

#include "chartspanel.h"
#include "counterspanel.h"
#include "exceptionlogmodel.h"
#include "exceptionlogview.h"
#include "rundescription.h"
#include "sidecolumn.h"

#include <QDateTime>
#include <QFileInfo>
#include <QLabel>
#include <QLocale>
#include <QSplitter>
#include <QTabWidget>
#include <QTextDocument>
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
    m_charts->setWindowSeconds(30); // the selector still works; the whole run is shown first
    m_charts->showSavedRun();
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
    resize(1400, 900);
}

QString SnapshotWindow::summaryText() const
{
    QTextDocument document;
    document.setHtml(m_summary->text());
    return document.toPlainText();
}
