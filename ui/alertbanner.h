#pragma once

#include <QFrame>
#include <QStringList>

class QLabel;
class QPushButton;

// A red strip above the charts while alerts fire: "Alert deep-queue: queued 12,345 > 10,000
// for 5.00 s" (and "+2 more" when several fire). A notified fire shows it; a clear removes
// its rule; Dismiss hides it until the next notified fire. GUI thread only.
class AlertBanner : public QFrame {
    Q_OBJECT

public:
    explicit AlertBanner(QWidget *parent = nullptr);

    void showFired(const QString &rule, const QString &message);
    void showCleared(const QString &rule);
    void clearAll();
    QString text() const; // what it says (for tests)

signals:
    void detailsRequested(); // the "Log" button: show the alert log

private:
    void update();

    struct Firing {
        QString rule, message;
    };
    QList<Firing> m_firing; // the newest first
    QLabel *m_label;
};
