#pragma once

#include "runreport.h"

#include <QString>

// Limits of what a snapshot may hold; this Poolscope never writes more.
struct SnapshotLimits {
    static constexpr qint64 MaxFileBytes = 256LL * 1024 * 1024; // an hour of history is about 90 MB
    static constexpr qsizetype MaxExceptions = 100'000;         // coalesced rows
    static constexpr qsizetype MaxStringChars = 4096;           // longer strings are elided ("...")
    static constexpr double MaxEpochSeconds = 9.0e9;            // times: about year 2255, inside the clock's range
};

// Reads a snapshot written by poolscope::writeJson (docs/snapshot-format.md) back into a
// RunReport, for File -> Open. Refuses, with a one-line reason naming the field, what is not
// JSON, not a Poolscope snapshot, a format version it does not know, a file that is not a
// regular file or is over SnapshotLimits::MaxFileBytes, more history samples than the sampler
// keeps (SamplerOptions::capacity), more exceptions than MaxExceptions, a number out of its
// field's range (checked before any cast or time conversion), a value of the wrong type, and
// history samples out of time order.
// Fields it does not know are ignored; fields that are missing (and numbers written as null)
// keep the defaults of RunReport. Strings longer than MaxStringChars are elided. Running out
// of memory is an error, not an abort. History times come back relative to the first sample.
// Thread-safe: a pure function of the file.
bool readSnapshot(const QString &path, poolscope::RunReport &report, QString &error);
bool readSnapshot(const QByteArray &json, poolscope::RunReport &report, QString &error);
