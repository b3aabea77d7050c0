#pragma once

#include <QObject>

class QWidget;

// Keeps the mouse wheel from changing a value the user only scrolls past: sliders, spin
// boxes and pickers under `root` take the wheel only once they have focus (a click or Tab
// gives it); until then the wheel scrolls the panel they sit in. GUI thread only.
class WheelGuard : public QObject {
    Q_OBJECT

public:
    // Guards every slider, spin box and combo box under `root` now (the guard is a child of
    // `root`).
    static void install(QWidget *root);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    using QObject::QObject;
};
