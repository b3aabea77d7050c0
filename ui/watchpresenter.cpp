#include "watchpresenter.h"

#include "alertbanner.h"
#include "alertrulesdialog.h"
#include "chartspanel.h"
#include "desktopnotifier.h"
#include "sessioncontroller.h"
#include "watchlogview.h"

#include <QSettings>
#include <QWidget>

using namespace poolscope;

namespace {
QString text(const std::string &s) { return QString::fromStdString(s); }
} // namespace

WatchPresenter::WatchPresenter(SessionController *controller, ChartsPanel *charts, QWidget *window)
    : QObject(window), m_controller(controller), m_charts(charts), m_window(window), m_banner(new AlertBanner),
      m_decisionLog(new WatchLogView(tr("Decision"), tr("Reason"))), m_alertLog(new WatchLogView(tr("Alert"), tr("What"))),
      m_notifier(new DesktopNotifier(this))
{
    m_decisionLog->setObjectName(QStringLiteral("autoSizeLog"));
    m_alertLog->setObjectName(QStringLiteral("alertLog"));
    QSettings settings;
    m_controller->watch().setAlertRules(loadAlertRules(settings));

    connect(controller, &SessionController::samplesArrived, this, [this](const std::vector<Sample> &samples) {
        if (m_originNs == 0)
            m_originNs = samples.front().pool.timestampNs;
    });
    connect(controller, &SessionController::watchEvents, this, &WatchPresenter::show);
    connect(controller, &SessionController::runStarted, this, [this] {
        m_originNs = 0;
        m_decisionLog->clear();
        m_alertLog->clear();
        m_banner->clearAll();
    });
    connect(m_banner, &AlertBanner::detailsRequested, this, &WatchPresenter::alertLogRequested);
}

double WatchPresenter::runSeconds(std::uint64_t timestampNs) const
{
    return (static_cast<double>(timestampNs) - static_cast<double>(m_originNs)) / 1e9;
}

bool WatchPresenter::setAutoSize(bool on, int waitTargetMs)
{
    std::optional<AutoSizerOptions> options;
    if (on) {
        options = m_controller->watch().autoSizeOptions();
        options->waitTarget = std::chrono::milliseconds(waitTargetMs);
    }
    try {
        m_controller->watch().setAutoSize(options);
    } catch (const std::invalid_argument &error) { // the control's ranges keep to validate()'s; said all the same
        m_decisionLog->addEntry(runSeconds(m_controller->status().pool.timestampNs), tr("unchanged"), QString::fromUtf8(error.what()));
        return false;
    }
    m_decisionLog->addEntry(runSeconds(m_controller->status().pool.timestampNs), on ? tr("on") : tr("off"),
                            on ? tr("auto-size on: queue wait p99 target %1 ms").arg(waitTargetMs) : tr("auto-size off: the worker count stays"));
    return true;
}

void WatchPresenter::setAlertRules(std::vector<AlertRule> rules, KeepInSettings keep)
{
    if (keep == KeepInSettings::Yes) {
        QSettings settings;
        saveAlertRules(settings, rules);
    }
    m_controller->watch().setAlertRules(std::move(rules));
    m_banner->clearAll();
}

void WatchPresenter::editAlertRules()
{
    auto *dialog = new AlertRulesDialog(m_controller->watch().alertRules(), m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { setAlertRules(dialog->rules()); });
    dialog->open();
}

void WatchPresenter::show(const SessionWatch::Events &events)
{
    for (const AutoSizeDecision &d : events.decisions) {
        const QString what = d.to == d.from ? text(std::string(nameOf(d.action)))
                                            : QStringLiteral("%1%2 → %3").arg(d.to > d.from ? QStringLiteral("+") : QStringLiteral("−"))
                                                  .arg(d.to > d.from ? d.to - d.from : d.from - d.to)
                                                  .arg(d.to);
        m_decisionLog->addEntry(runSeconds(d.timestampNs), what, text(d.reason));
        m_charts->markDecision(runSeconds(d.timestampNs), what);
    }
    if (!events.decisions.empty())
        emit workersChanged();

    for (const AlertEvent &e : events.alerts) {
        const QString rule = text(e.rule);
        if (e.kind == AlertEventKind::Cleared) {
            m_alertLog->addEntry(runSeconds(e.timestampNs), tr("%1 cleared").arg(rule), text(e.message));
            m_banner->showCleared(rule);
            continue;
        }
        m_alertLog->addEntry(runSeconds(e.timestampNs), e.notify ? tr("%1 fired").arg(rule) : tr("%1 fired (silenced)").arg(rule),
                             text(e.message), true);
        m_charts->markAlert(runSeconds(e.timestampNs), rule); // silenced fires too: the charts show what happened, as the log
        if (e.notify) {
            m_banner->showFired(rule, text(e.message));
            m_notifier->notify(tr("Poolscope alert: %1").arg(rule), text(e.message));
        }
    }
}
