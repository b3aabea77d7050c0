#pragma once
// The headless run's auto-size and alert options (--auto-size, --auto-size-range, --alerts),
// kept apart from the rest so that headlessoptions.cpp only lists and calls them.

#include <QCommandLineOption>
#include <QList>

class QCommandLineParser;
class QString;
struct HeadlessOptions;

QList<QCommandLineOption> watchOptions();

// Reads them into options.autoSize and options.alertRules. False with a one-line error naming
// the option (and, for --alerts, the rule): "--alerts: rule 'slow': 'wait.p99' is a time: ...".
// --auto-size-range without --auto-size is refused, and so are --auto-size and --alerts with
// --sweep (a sweep sets the sizes itself). Thread-safe: a pure function of its arguments.
bool readWatchOptions(const QCommandLineParser &parser, HeadlessOptions &options, QString &error);
