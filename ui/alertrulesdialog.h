#pragma once

#include "alertrules.h"

#include <QDialog>

#include <vector>

class QLabel;
class QPlainTextEdit;
class QSettings;

// Edits the alert rules as text, one rule a line, with the syntax and examples beside it.
// OK is refused while a rule does not parse: the error names the rule and stays on screen.
// GUI thread only.
class AlertRulesDialog : public QDialog {
    Q_OBJECT

public:
    AlertRulesDialog(const std::vector<poolscope::AlertRule> &rules, QWidget *parent = nullptr);

    std::vector<poolscope::AlertRule> rules() const { return m_rules; } // valid after accept
    QPlainTextEdit *editor() const { return m_editor; }
    QString errorText() const;

    void accept() override;

private:
    QPlainTextEdit *m_editor;
    QLabel *m_error;
    std::vector<poolscope::AlertRule> m_rules;
};

// The rules kept in the settings ("alerts/rules", their text): what was saved, or the
// starter set when nothing was (or what was saved no longer parses). GUI thread only.
std::vector<poolscope::AlertRule> loadAlertRules(QSettings &settings);
void saveAlertRules(QSettings &settings, const std::vector<poolscope::AlertRule> &rules);
// Starvation and missing workers, as the README describes them.
std::vector<poolscope::AlertRule> defaultAlertRules();
