#pragma once

#include <QObject>
#include <QPointer>

class QMessageBox;
class QWidget;
class SessionController;

// The verbs that end a run, asked first: Graceful shutdown, Fast shutdown and Restart sit
// under the sliders and in the Pool menu, and one mis-click must not end a run. Each opens a
// window-modal question that says what will happen to the queued and running units (Cancel
// is the default button), and acts only when confirmed. What loses nothing acts at once:
// restarting a stopped pool. Restart during a drain asks whether to wait for the drain.
// GUI thread only.
class RunActions : public QObject {
    Q_OBJECT

public:
    RunActions(SessionController *controller, QWidget *dialogParent);

    QMessageBox *openQuestion() const { return m_question; } // for tests

public slots:
    void requestShutdown(bool graceful);
    void requestRestart();
    // Asks before quitting while a drain still has units queued; otherwise quits at once.
    void requestQuit();

private:
    QMessageBox *ask(const QString &objectName, const QString &title, const QString &text);

    SessionController *m_controller;
    QWidget *m_dialogParent;
    QPointer<QMessageBox> m_question;
};
