#include "runactions.h"

#include "sessioncontroller.h"

#include <QLocale>
#include <QMessageBox>
#include <QPushButton>

using namespace poolscope;

namespace {
QString count(std::uint64_t value) { return QLocale().toString(static_cast<qulonglong>(value)); }
} // namespace

RunActions::RunActions(SessionController *controller, QWidget *dialogParent)
    : QObject(dialogParent), m_controller(controller), m_dialogParent(dialogParent)
{
    // A question about a run that has ended since it was asked is moot.
    connect(controller, &SessionController::runStarted, this, [this] {
        if (m_question)
            m_question->close();
    });
}

QMessageBox *RunActions::ask(const QString &objectName, const QString &title, const QString &text)
{
    if (m_question)
        m_question->close();
    m_question = new QMessageBox(QMessageBox::Question, title, text, QMessageBox::NoButton, m_dialogParent);
    m_question->setObjectName(objectName);
    m_question->setAttribute(Qt::WA_DeleteOnClose);
    return m_question;
}

void RunActions::requestShutdown(bool graceful)
{
    const SessionStatus status = m_controller->status();
    if (m_controller->isDraining() || status.phase != RunPhase::Running)
        return;
    const QString units = tr("%1 queued, %2 running").arg(count(status.pool.queued), count(status.pool.inFlight));
    QMessageBox *question =
        graceful ? ask(QStringLiteral("confirmGracefulShutdownDialog"), tr("Graceful shutdown"),
                       tr("Stop the load, run what is queued (%1) and stop the pool?\n\nThe run ends; it waits at most "
                          "%2 s for the queue, then cancels the rest. Restart begins a new run.")
                           .arg(units)
                           .arg(SessionController::DrainDeadline.count()))
                 : ask(QStringLiteral("confirmFastShutdownDialog"), tr("Fast shutdown"),
                       tr("Stop the load, cancel what is queued and stop the pool? (%1)\n\nRunning units finish; queued "
                          "ones never run. The run ends; Restart begins a new one.")
                           .arg(units));
    QPushButton *confirm = question->addButton(graceful ? tr("Shut down gracefully") : tr("Shut down fast"),
                                               QMessageBox::DestructiveRole);
    QPushButton *cancel = question->addButton(QMessageBox::Cancel);
    question->setDefaultButton(cancel);
    question->setEscapeButton(cancel);
    connect(question, &QMessageBox::buttonClicked, this, [this, confirm, graceful](QAbstractButton *button) {
        if (button == confirm)
            m_controller->shutdown(graceful);
    });
    question->open();
}

void RunActions::requestRestart()
{
    const SessionStatus status = m_controller->status();
    if (!m_controller->isDraining() && status.phase == RunPhase::Stopped) {
        m_controller->restart(); // nothing runs, nothing is lost: the old run stays under Previous run
        return;
    }
    if (!m_controller->isDraining()) {
        QMessageBox *question = ask(QStringLiteral("confirmRestartDialog"), tr("Restart the pool"),
                                    tr("End run %1 and start a new one with the current settings?\n\nWhat is queued "
                                       "(%2) is cancelled; running units (%3) finish first. Run %1 stays readable "
                                       "under Pool → Previous run.")
                                        .arg(status.run.number)
                                        .arg(count(status.pool.queued), count(status.pool.inFlight)));
        QPushButton *confirm = question->addButton(tr("Restart"), QMessageBox::DestructiveRole);
        QPushButton *cancel = question->addButton(QMessageBox::Cancel);
        question->setDefaultButton(cancel);
        question->setEscapeButton(cancel);
        connect(question, &QMessageBox::buttonClicked, this, [this, confirm](QAbstractButton *button) {
            if (button == confirm)
                m_controller->restart();
        });
        question->open();
        return;
    }
    // Never wait here: the drain goes on while the user decides, and the restart follows it.
    QMessageBox *question = ask(QStringLiteral("restartDuringDrainDialog"), tr("Restart the pool"),
                                tr("The pool is still draining: %1 queued, %2 running. Restart when the drain ends, "
                                   "or cancel the rest and restart as soon as the running units finish?")
                                    .arg(count(status.pool.queued), count(status.pool.inFlight)));
    QPushButton *wait = question->addButton(tr("Restart when drained"), QMessageBox::AcceptRole);
    QPushButton *cut = question->addButton(tr("Cancel the rest and restart"), QMessageBox::DestructiveRole);
    question->setDefaultButton(question->addButton(QMessageBox::Cancel));
    connect(question, &QMessageBox::buttonClicked, this, [this, wait, cut](QAbstractButton *button) {
        if (button == cut)
            m_controller->cancelDrain();
        if (button == wait || button == cut)
            m_controller->restart();
    });
    question->open();
}

void RunActions::requestQuit()
{
    if (m_controller->isQuitPending())
        return;
    const SessionStatus status = m_controller->status();
    if (!m_controller->isDraining() || status.pool.queued == 0) {
        m_controller->prepareQuit();
        return;
    }
    QMessageBox *question = ask(QStringLiteral("quitDuringDrainDialog"), tr("Quit Poolscope"),
                                tr("The pool is still draining: %1 queued, %2 running. Quit now and cancel the rest?")
                                    .arg(count(status.pool.queued), count(status.pool.inFlight)));
    QPushButton *quit = question->addButton(tr("Cancel the rest and quit"), QMessageBox::DestructiveRole);
    question->setDefaultButton(question->addButton(tr("Keep draining"), QMessageBox::RejectRole));
    connect(question, &QMessageBox::buttonClicked, this, [this, quit](QAbstractButton *button) {
        if (button == quit)
            m_controller->prepareQuit();
    });
    question->open();
}
