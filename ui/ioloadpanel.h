#pragma once

#include "ioloadsettings.h"

#include <QGroupBox>

class QCheckBox;
class QLabel;
class QSpinBox;

// The I/O load's controls, under the load panel: the loopback echo server and its client
// connections (count, message size, messages per second or as fast as possible, think time,
// the server's CPU cost per message) and the file reads (on/off, block size). It only emits
// what the user asked for, checked with IoLoadSettings::validate(); MainWindow applies it
// with the other controls through SessionController::apply(). Fields it does not show
// (reads outstanding, the scratch folder) keep what setSettings() gave. GUI thread only.
class IoLoadPanel : public QGroupBox {
    Q_OBJECT

public:
    explicit IoLoadPanel(QWidget *parent = nullptr);

    poolscope::IoLoadSettings settings() const;
    void setSettings(const poolscope::IoLoadSettings &settings); // updates the widgets without emitting
    // Why the I/O load does not run (SessionStatus::io.problem: no io_uring, no scratch file);
    // empty hides the line.
    void setProblem(const QString &problem);
    QString problemText() const;

    QCheckBox *echoBox() const { return m_echo; }
    QSpinBox *connectionsSpin() const { return m_connections; }
    QSpinBox *messageSizeSpin() const { return m_messageBytes; }
    QSpinBox *rateSpin() const { return m_rate; }
    QSpinBox *thinkTimeSpin() const { return m_thinkTime; }
    QSpinBox *costSpin() const { return m_cost; }
    QCheckBox *fileReadsBox() const { return m_fileReads; }
    QSpinBox *blockSizeSpin() const { return m_blockBytes; }

signals:
    void settingsChanged(const poolscope::IoLoadSettings &settings);

private:
    void emitSettings();
    void updateEnabledFields();

    bool m_updating = false;
    poolscope::IoLoadSettings m_kept; // what the panel does not show, as last set
    QCheckBox *m_echo;
    QSpinBox *m_connections;
    QSpinBox *m_messageBytes;
    QSpinBox *m_rate;
    QSpinBox *m_thinkTime;
    QSpinBox *m_cost;
    QCheckBox *m_fileReads;
    QSpinBox *m_blockBytes;
    QLabel *m_problem;
};
