#pragma once

#include "alertrules.h"
#include "autosizer.h"
#include "metricsserver.h"
#include "sessionsettings.h"
#include "sweepgrid.h"

#include <QString>
#include <QStringList>

#include <optional>

// What a headless run is asked to do: every control of the GUI as a command-line option (or
// a key of a --scenario file), and the exports to write at the end.
struct HeadlessOptions {
    poolscope::SessionSettings settings;
    double durationSeconds = 10;
    double sampleRateHz = 20;
    double historySeconds = 0; // of history in the JSON and CSV exports; 0: all
    QString exportJson, exportCsv, exportOpenMetrics; // "-" is standard output
    bool quiet = false;
    std::optional<ListenAddress> serveMetrics; // serve /metrics while the run goes
    // --sweep: run each size of the grid instead of one run (see app/headlesssweep.h)
    std::optional<poolscope::SweepGrid> sweep;
    double sweepWarmUpSeconds = 1, sweepPeriodSeconds = 3, waitTargetMs = 10;
    std::optional<poolscope::AutoSizerOptions> autoSize; // --auto-size: the auto-sizer runs
    std::vector<poolscope::AlertRule> alertRules;        // --alerts
};

// True when the arguments ask for --headless (checked before any QApplication exists).
bool wantsHeadless(int argc, char **argv);

// Parses the headless options (and the --scenario file's, which the command line overrides);
// false with a one-line error naming the option and its range. Export paths are checked here
// too, so that nothing runs when a file could not be written.
bool parseHeadlessOptions(const QStringList &arguments, HeadlessOptions &options, QString &error);

// Turns the text of a scenario file (named `path` in errors) into "--key=value" arguments, so
// that its values go through the same checks as typed ones. False with a one-line error.
// Thread-safe: a pure function (also the scenario fuzz target's entry).
bool scenarioToArguments(const QByteArray &contents, const QString &path, QStringList &arguments, QString &error);
