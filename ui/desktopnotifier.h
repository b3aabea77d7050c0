#pragma once

#include <QObject>

class QSystemTrayIcon;

// A desktop notification for a fired alert, through the system tray where one exists
// (QSystemTrayIcon); without a tray it does nothing and the window's banner is the notice.
// GUI thread only.
class DesktopNotifier : public QObject {
    Q_OBJECT

public:
    explicit DesktopNotifier(QObject *parent = nullptr);

    bool isAvailable() const { return m_tray != nullptr; }
    void notify(const QString &title, const QString &message);
    int notificationsShown() const { return m_shown; } // for tests

private:
    QSystemTrayIcon *m_tray = nullptr;
    int m_shown = 0;
};
