#pragma once

#include "loadsettings.h"
#include "metricsserver.h"
#include "workerpool.h"

#include <QString>
#include <QStringList>

#include <optional>

// A scenario run without a window, for scripts and CI: every control of the GUI as a
// command-line option, exports written at the end.
struct HeadlessOptions {
    poolscope::WorkerPoolOptions pool;
    poolscope::LoadSettings load;
    double durationSeconds = 10;
    double sampleRateHz = 20;
    double historySeconds = 0; // of history in the JSON and CSV exports; 0: all
    QString exportJson, exportCsv, exportOpenMetrics; // "-" is standard output
    bool quiet = false;
    std::optional<ListenAddress> serveMetrics; // serve /metrics while the run goes
};

// True when the arguments ask for --headless (checked before any QApplication exists).
bool wantsHeadless(int argc, char **argv);

// Parses the headless options (and the --scenario file's, which the command line overrides); false with a one-line error naming the option and its range.
// Export paths are checked here too, so that nothing runs when a file could not be written.
bool parseHeadlessOptions(const QStringList &arguments, HeadlessOptions &options, QString &error);

// Exit statuses of a headless run: 0 done, 1 an export could not be written, 2 a bad option
// or input (nothing ran), 3 the pool failed fast (policy fail-fast and a unit threw; the
// exports were written and describe the run up to there).
constexpr int ExitExportFailed = 1;
constexpr int ExitBadInput = 2;
constexpr int ExitFailedFast = 3;

// Turns the text of a scenario file (named `path` in errors) into "--key=value" arguments, so
// that its values go through the same checks as typed ones. False with a one-line error.
// Thread-safe: a pure function (also the scenario fuzz target's entry).
bool scenarioToArguments(const QByteArray &contents, const QString &path, QStringList &arguments, QString &error);

// Runs the scenario and writes the exports. Returns the process exit status.
int runHeadless(const HeadlessOptions &options);
