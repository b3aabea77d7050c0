#include "alertrulesdialog.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSettings>
#include <QVBoxLayout>

using namespace poolscope;

namespace {
const QString RulesKey = QStringLiteral("alerts/rules");
const char *const DefaultRules = "starvation: queued > 0 and completions/s == 0 for 2s silence 1m\n"
                                 "missing-workers: live < target for 10s silence 1m\n";
} // namespace

AlertRulesDialog::AlertRulesDialog(const std::vector<AlertRule> &rules, QWidget *parent)
    : QDialog(parent), m_editor(new QPlainTextEdit), m_error(new QLabel), m_rules(rules)
{
    setObjectName(QStringLiteral("alertRulesDialog"));
    setWindowTitle(tr("Alert rules"));
    auto *help = new QLabel(tr("<p>One rule a line: <tt>NAME: METRIC OP VALUE [and ...] [for DURATION] [silence DURATION]</tt></p>"
                               "<p><tt>deep-queue: queued &gt; 10,000 for 5s</tt><br>"
                               "<tt>slow-wait: wait.p99 &gt; 50ms</tt><br>"
                               "<tt>failing: failures/s &gt; 0 silence 1m</tt><br>"
                               "<tt>starvation: queued &gt; 0 and completions/s == 0 for 2s</tt><br>"
                               "<tt>missing-workers: live &lt; target for 10s</tt></p>"
                               "<p>Metrics: every counter (queued, in-flight, live, target, blocked, ...), the rate of "
                               "any counter as <tt>NAME/s</tt>, and latency as <tt>wait.p50</tt> .. <tt>wait.p999</tt>, "
                               "<tt>wait.max</tt>, <tt>service.p99</tt> ... "
                               "A rule fires when its conditions hold for the duration and clears when they do not; "
                               "after a notification it stays quiet (no banner, no desktop notice) for its silence.</p>"));
    help->setWordWrap(true);
    help->setToolTip(QString::fromStdString([] {
        std::string all;
        for (const std::string &name : alertMetricNames())
            all += (all.empty() ? "" : ", ") + name;
        return all;
    }()));
    m_editor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_editor->setPlainText(QString::fromStdString(alertRulesText(rules)));
    m_editor->setMinimumSize(560, 160);
    m_error->setObjectName(QStringLiteral("alertRulesError"));
    m_error->setStyleSheet(QStringLiteral("color: #d7191c;"));
    m_error->setWordWrap(true);
    m_error->setTextFormat(Qt::PlainText);
    m_error->hide();
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &AlertRulesDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(help);
    layout->addWidget(m_editor, 1);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
}

QString AlertRulesDialog::errorText() const { return m_error->isHidden() ? QString() : m_error->text(); }

void AlertRulesDialog::accept()
{
    std::vector<AlertRule> parsed;
    std::string error;
    if (!parseAlertRules(m_editor->toPlainText().toStdString(), parsed, error)) {
        m_error->setText(QString::fromStdString(error));
        m_error->show();
        return; // stays open: the text is the user's to fix
    }
    m_rules = std::move(parsed);
    QDialog::accept();
}

std::vector<AlertRule> defaultAlertRules()
{
    std::vector<AlertRule> rules;
    std::string error;
    parseAlertRules(DefaultRules, rules, error); // a constant that the tests parse
    return rules;
}

std::vector<AlertRule> loadAlertRules(QSettings &settings)
{
    if (!settings.contains(RulesKey))
        return defaultAlertRules();
    std::vector<AlertRule> rules;
    std::string error;
    if (!parseAlertRules(settings.value(RulesKey).toString().toStdString(), rules, error))
        return defaultAlertRules();
    return rules;
}

void saveAlertRules(QSettings &settings, const std::vector<AlertRule> &rules)
{
    settings.setValue(RulesKey, QString::fromStdString(alertRulesText(rules)));
}
