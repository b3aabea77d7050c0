#include "runnotices.h"

#include "noticebar.h"
#include "poolsession.h"

#include <QLocale>
#include <QPushButton>
#include <QThread>
#include <QVBoxLayout>

using namespace poolscope;

namespace {
QString count(std::uint64_t value) { return QLocale().toString(static_cast<qulonglong>(value)); }
} // namespace

RunNotices::RunNotices(QWidget *parent)
    : QWidget(parent), m_start(new NoticeBar(NoticeBar::Tone::Invitation, QStringLiteral("startLoadNotice"), this)),
      m_noWorkers(new NoticeBar(NoticeBar::Tone::Warning, QStringLiteral("noWorkersNotice"), this)),
      m_outdated(new NoticeBar(NoticeBar::Tone::Warning, QStringLiteral("outdatedUnitsNotice"), this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addWidget(m_start);
    layout->addWidget(m_noWorkers);
    layout->addWidget(m_outdated);

    m_start->setText(tr("<b>The pool is ready, and idle:</b> nothing posts work yet. <b>Start load</b> posts units "
                        "as set under <i>Load</i> and <i>Work units</i> on the left; the charts and counters then move."));
    connect(m_start->addButton(tr("▶ Start load  (F5)"), QStringLiteral("startLoadNoticeButton")), &QPushButton::clicked,
            this, &RunNotices::startLoadRequested);

    const int processors = std::max(1, QThread::idealThreadCount());
    connect(m_noWorkers->addButton(tr("Set %n worker(s)", nullptr, processors), QStringLiteral("addWorkersButton")),
            &QPushButton::clicked, this, [this, processors] { emit workersRequested(processors); });

    connect(m_outdated->addButton(tr("Drop them (restart)"), QStringLiteral("dropOutdatedButton")), &QPushButton::clicked,
            this, [this] {
                m_outdated->hide();
                emit dropOutdatedRequested();
            });
    m_outdated->findChild<QPushButton *>(QStringLiteral("dropOutdatedButton"))
        ->setToolTip(tr("Cancel every queued unit and start a new run with the new settings; the load goes on if it was running"));
    connect(m_outdated->addButton(tr("Keep them"), QStringLiteral("keepOutdatedButton")), &QPushButton::clicked, this, [this] {
        m_outdatedDismissed = true;
        m_outdated->hide();
    });
}

void RunNotices::showStatus(const SessionStatus &status)
{
    const bool running = status.phase == RunPhase::Running && status.pool.state == PoolState::Running;
    m_start->setVisible(running && status.load == LoadState::Stopped && status.pool.posted == 0);

    const bool starving = running && status.pool.targetWorkers == 0 && status.pool.queued > 0;
    if (starving)
        m_noWorkers->setText(tr("<b>No workers:</b> %1 units wait in the queue and nothing runs them; the queue only grows.")
                                 .arg(count(status.pool.queued)));
    m_noWorkers->setVisible(starving);

    if (!running || status.pool.queued == 0) { // the old units are gone: a later change is news again
        m_outdated->hide();
        m_outdatedDismissed = false;
    }
}

void RunNotices::showOutdatedUnits(quint64 queued)
{
    if (m_outdatedDismissed)
        return;
    m_outdated->setText(tr("<b>%1 queued units were made with the old unit settings.</b> They run first, as they were "
                           "made; only new units use the new settings.")
                            .arg(count(queued)));
    m_outdated->show();
}

void RunNotices::clearForNewRun()
{
    m_outdatedDismissed = false;
    m_outdated->hide();
}
