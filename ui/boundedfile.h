#pragma once

#include <QByteArray>
#include <QString>

// Reads a whole input file (a saved snapshot, a scenario) only when it is a regular file of
// at most `maxBytes`: a device (/dev/zero), a FIFO (which could block forever), a folder or a
// file over the limit is refused with a one-line reason instead of being read without end.
// The open never blocks (O_NONBLOCK), and running out of memory while reading is an error,
// not an abort. Thread-safe.
bool readBoundedFile(const QString &path, qint64 maxBytes, QByteArray &contents, QString &error);
