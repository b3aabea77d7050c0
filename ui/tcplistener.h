#pragma once

#include <QHostAddress>
#include <QObject>
#include <QString>

class QSocketNotifier;

// A listening TCP socket whose accept() failures are its owner's to pace. QTcpServer (Qt 6.4)
// treats EMFILE as a temporary error and keeps its notifier armed, so a process out of
// descriptors spins in accept() at full speed; here the owner pauses on a failure and resumes
// when it has freed a descriptor or after a delay.
//
// Threading: a QObject of the thread that creates it; `readyToAccept` is emitted there.
class TcpListener : public QObject {
    Q_OBJECT

public:
    explicit TcpListener(QObject *parent = nullptr);
    ~TcpListener() override;

    // Binds and listens (backlog 128); false with strerror's text. Call once.
    bool listen(const QHostAddress &address, quint16 port, QString &error);
    quint16 port() const noexcept { return m_port; }

    // A connected non-blocking descriptor, or -1 with `error` set to errno (EAGAIN: none waiting).
    int accept(int &error);

    void pause();  // stop emitting readyToAccept (after a failure that would repeat at once)
    void resume(); // and start again

signals:
    void readyToAccept();

private:
    int m_fd = -1;
    quint16 m_port = 0;
    QSocketNotifier *m_notifier = nullptr;
};
