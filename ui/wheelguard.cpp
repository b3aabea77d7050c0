#include "wheelguard.h"

#include <QAbstractScrollArea>
#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QScrollBar>
#include <QWheelEvent>
#include <QEvent>
#include <QWidget>

#include <cstdlib>

void WheelGuard::install(QWidget *root)
{
    auto *guard = new WheelGuard(root);
    const auto guardEach = [guard](const auto &widgets) {
        for (QWidget *widget : widgets) {
            widget->setFocusPolicy(Qt::StrongFocus); // not WheelFocus: the wheel alone never focuses
            widget->installEventFilter(guard);
        }
    };
    guardEach(root->findChildren<QAbstractSlider *>());
    guardEach(root->findChildren<QAbstractSpinBox *>());
    guardEach(root->findChildren<QComboBox *>());
}

bool WheelGuard::eventFilter(QObject *watched, QEvent *event)
{
    auto *widget = static_cast<QWidget *>(watched);
    if (event->type() != QEvent::Wheel || widget->hasFocus())
        return QObject::eventFilter(watched, event);
    // The widget never sees it: the scroll area around it scrolls instead (handed over here
    // rather than left to propagation, which Qt does for some wheel events only).
    for (QWidget *parent = widget->parentWidget(); parent; parent = parent->parentWidget()) {
        if (auto *area = qobject_cast<QAbstractScrollArea *>(parent)) {
            const auto *wheel = static_cast<QWheelEvent *>(event);
            const bool sideways = std::abs(wheel->angleDelta().x()) > std::abs(wheel->angleDelta().y());
            QScrollBar *bar = sideways ? area->horizontalScrollBar() : area->verticalScrollBar();
            QWheelEvent forwarded(bar->mapFromGlobal(wheel->globalPosition()), wheel->globalPosition(), wheel->pixelDelta(),
                                  wheel->angleDelta(), wheel->buttons(), wheel->modifiers(), wheel->phase(), wheel->inverted());
            QCoreApplication::sendEvent(bar, &forwarded);
            break;
        }
    }
    return true;
}
