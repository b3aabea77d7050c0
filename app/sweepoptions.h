#pragma once
// The headless sweep's options (--sweep GRID, --sweep-warmup, --sweep-period, --wait-target),
// kept apart from the single run's so that headlessoptions.cpp only lists and calls them.

#include <QCommandLineOption>
#include <QList>
#include <QString>

class QCommandLineParser;
struct HeadlessOptions;

// --sweep; the three numbers (--sweep-warmup, --sweep-period, --wait-target) are rows of
// pool/settingranges.h, listed with every other number by headlessoptions.cpp.
QList<QCommandLineOption> sweepOptions();

// Reads --sweep into options.sweep (the axes it leaves out take the configured workers and
// concurrency, so call it after those are read) and refuses what a sweep cannot do: one
// --duration (a sweep lasts points x (warm-up + period)), --history, OpenMetrics and
// --serve-metrics (a sweep is many runs, none of them "the" run). False with a one-line error
// naming the option, e.g. "--sweep: 'workers=1..x': 'x' is not a whole number". A sweep-only
// option without --sweep is refused too. Thread-safe: a pure function of its arguments.
bool readSweep(const QCommandLineParser &parser, HeadlessOptions &options, QString &error);
