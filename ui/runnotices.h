#pragma once

#include <QWidget>

namespace poolscope {
struct SessionStatus;
}

class NoticeBar;

// The notices above the charts, each shown only while it is true:
// - an idle pool that has never had work: one "Start load" call to action (a first launch
//   shows it rather than starting a load by itself: a run starts only when the user says so,
//   whatever the saved load settings would post);
// - no workers while units wait: the queue only grows, so say so and offer workers;
// - units made with the old unit settings still queued after a change: they run first, as
//   they were made; offer to drop them (a restart with the new settings) or keep them.
// It only shows and asks; MainWindow connects the requests. GUI thread only.
class RunNotices : public QWidget {
    Q_OBJECT

public:
    explicit RunNotices(QWidget *parent = nullptr);

    void showStatus(const poolscope::SessionStatus &status);
    // SessionController::queuedUnitsOutdated: shown until the queue empties, a new run
    // starts, or the user keeps them.
    void showOutdatedUnits(quint64 queued);
    void clearForNewRun();

    NoticeBar *startNotice() const { return m_start; }
    NoticeBar *noWorkersNotice() const { return m_noWorkers; }
    NoticeBar *outdatedNotice() const { return m_outdated; }

signals:
    void startLoadRequested();
    void workersRequested(int count);
    void dropOutdatedRequested();

private:
    NoticeBar *m_start;
    NoticeBar *m_noWorkers;
    NoticeBar *m_outdated;
    bool m_outdatedDismissed = false;
};
