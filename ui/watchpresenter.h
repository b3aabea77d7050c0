#pragma once

#include "sessionwatch.h"

#include <QObject>

#include <cstdint>
#include <vector>

class AlertBanner;
class ChartsPanel;
class DesktopNotifier;
class SessionController;
class WatchLogView;
class QWidget;

// Shows what the session's watch (auto-sizer and alert rules) does: the decision log, the
// alert log, the banner and the desktop notification, the marks on the charts; and carries
// the user's switches to it (auto-size on/off and its target, the rules, kept in the
// settings). It owns no logic of its own: SessionWatch decides, SessionController feeds it.
// GUI thread only.
class WatchPresenter : public QObject {
    Q_OBJECT

public:
    // The widgets are created here and placed by the window.
    WatchPresenter(SessionController *controller, ChartsPanel *charts, QWidget *window);

    AlertBanner *banner() const { return m_banner; }
    WatchLogView *decisionLog() const { return m_decisionLog; }
    WatchLogView *alertLog() const { return m_alertLog; }
    DesktopNotifier *notifier() const { return m_notifier; }

    // False (and a line in the decision log) for options validate() refuses.
    bool setAutoSize(bool on, int waitTargetMs);
    enum class KeepInSettings : bool { No, Yes };
    void setAlertRules(std::vector<poolscope::AlertRule> rules, KeepInSettings keep = KeepInSettings::Yes);
    void editAlertRules(); // a dialog, window-modal; applies on OK

signals:
    void workersChanged();      // the auto-sizer applied a new worker count
    void alertLogRequested();   // the banner's "Log"

private:
    void show(const poolscope::SessionWatch::Events &events);
    double runSeconds(std::uint64_t timestampNs) const;

    SessionController *m_controller;
    ChartsPanel *m_charts;
    QWidget *m_window;
    AlertBanner *m_banner;
    WatchLogView *m_decisionLog;
    WatchLogView *m_alertLog;
    DesktopNotifier *m_notifier;
    std::uint64_t m_originNs = 0; // the run's first sample (steady clock): the logs' time zero
};
