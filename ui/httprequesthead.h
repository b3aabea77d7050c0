#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

// The head of one HTTP/1.x request (request line and header fields), parsed strictly enough
// for a server on the open network: what is not RFC 9112 becomes a status code to answer
// with, and the connection is closed after it. No allocation grows with anything but the
// head's own bytes, which the caller caps (MetricsServer: 8 KiB). Thread-safe: pure functions.
struct HttpRequestHead {
    int status = 0;            // 0: parsed; else the error status to answer (400, 431, 505)
    QByteArray method;         // "GET"
    QByteArray target;         // "/metrics?x=1" as sent
    int minorVersion = 1;      // HTTP/1.<minor>
    QList<QPair<QByteArray, QByteArray>> fields; // names lower-cased, values trimmed
    qsizetype headBytes = 0;   // bytes of the head, including the blank line
    qsizetype contentLength = 0; // from Content-Length; -1 when Transfer-Encoding is present

    QByteArray field(const QByteArray &lowerCaseName) const;
    bool keepAlive() const; // HTTP/1.1 unless "Connection: close"; HTTP/1.0 never
};

enum class HeadScan {
    Incomplete, // no blank line yet: read more (if the buffer is not at its cap)
    Complete,   // `head` is filled (its status may still be an error)
};

// Looks for a complete head at the start of `buffer`. Empty lines before the request line
// are skipped, as RFC 9112 allows.
HeadScan parseHttpRequestHead(const QByteArray &buffer, HttpRequestHead &head);
