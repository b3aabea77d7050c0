#pragma once

#include <QWidget>

class QCheckBox;
class QSpinBox;

// The pool panel's auto-size switch: on/off and the queue wait p99 to keep under. It only
// emits what the user asked for; the window hands it to the SessionController. GUI thread only.
class AutoSizeControl : public QWidget {
    Q_OBJECT

public:
    explicit AutoSizeControl(QWidget *parent = nullptr);

    bool isOn() const;
    int waitTargetMs() const;
    void setState(bool on, int waitTargetMs); // without emitting
    QCheckBox *checkBox() const { return m_on; }

signals:
    void changed(bool on, int waitTargetMs);

private:
    QCheckBox *m_on;
    QSpinBox *m_target;
    bool m_updating = false;
};
