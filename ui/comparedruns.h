#pragma once

#include "runreport.h"

#include <QString>

#include <vector>

// A run to compare, and what to call it (the file's name, and the point for a sweep's).
struct ComparedRun {
    QString label;
    poolscope::RunReport report;
};

// "4 workers, limit 2", "1 worker, limit = CPUs": short enough for a column header. Pure function.
QString sizeLabel(unsigned workers, unsigned concurrency);

// Reads the runs of one saved file for the comparison: a run snapshot gives one; a sweep
// (pool/sweepexport.h, "kind": "poolscope-sweep") gives each point's run, labelled
// "sweep.json: 4 workers, limit 2" (sizeLabel). Each run goes through the snapshot reader and its limits
// (ui/snapshotreader.h); a sweep may hold at most SweepGrid::MaxPoints points. False with a
// one-line reason naming the file (and the point), and `runs` unchanged.
// Thread-safe: a pure function of the file.
bool readRunsForComparison(const QString &path, std::vector<ComparedRun> &runs, QString &error);
