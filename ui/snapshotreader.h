#pragma once

#include "runreport.h"

#include <QString>

// Reads a snapshot written by poolscope::writeJson (docs/snapshot-format.md) back into a
// RunReport, for File -> Open. Refuses, with a one-line reason, what is not JSON, not a
// Poolscope snapshot, or a format version it does not know; fields it does not know are
// ignored, and fields that are missing keep their defaults. History times come back
// relative to the first sample. Thread-safe: a pure function of the file.
bool readSnapshot(const QString &path, poolscope::RunReport &report, QString &error);
bool readSnapshot(const QByteArray &json, poolscope::RunReport &report, QString &error);
