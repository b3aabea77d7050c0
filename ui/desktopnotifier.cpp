#include "desktopnotifier.h"

#include <QIcon>
#include <QSystemTrayIcon>

DesktopNotifier::DesktopNotifier(QObject *parent) : QObject(parent)
{
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    m_tray = new QSystemTrayIcon(QIcon(QStringLiteral(":/poolscope.png")), this);
    m_tray->setToolTip(tr("Poolscope"));
    m_tray->show();
}

void DesktopNotifier::notify(const QString &title, const QString &message)
{
    if (!m_tray)
        return;
    m_tray->showMessage(title, message, QSystemTrayIcon::Warning, 10'000);
    ++m_shown;
}
