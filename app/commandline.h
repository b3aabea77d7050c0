#pragma once

#include "alertrules.h"
#include "ioloadsettings.h"
#include "metricsserver.h"
#include "settingranges.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <utility>
#include <vector>

// What the command line asks of the app. Parsed in one place so that a headless mode can
// grow here without touching main().
struct AppOptions {
    bool resetSettings = false;
    bool startLoad = false;
    QString screenshotFile;   // non-empty: grab the window after screenshotDelay and quit
    double screenshotDelay = 5; // seconds
    bool screenshotIdle = false;   // the screenshot with the load stopped (a first launch)
    bool screenshotScreen = false; // grab the whole screen (frames, every window), not the window
    std::optional<ListenAddress> serveMetrics;
    QStringList snapshots; // saved runs to open beside the live one
    std::optional<std::vector<poolscope::AlertRule>> alertRules; // --alerts: this session's rules (not saved)
    // --io-connections, --io-rate, ...: the I/O load the window starts with, over the saved one
    // (as if set in the I/O panel, so kept on exit like a change there). Range-checked.
    std::vector<std::pair<poolscope::Setting, double>> ioOptions;
    QString ioScratchFolder; // --io-scratch-folder; empty: not given

    // The saved I/O load with this command line's I/O options applied.
    poolscope::IoLoadSettings ioLoadOver(poolscope::IoLoadSettings saved) const;
};

class QCommandLineOption;
class QCommandLineParser;

// Parses with `parser` (options already added); prints and exits for --help and --version,
// like every Qt program. False with the parser's message for an unknown option.
bool parseArguments(QCommandLineParser &parser, const QStringList &arguments, QString &error);

// A value from the command line or a file as an error message quotes it: at most 60
// characters, then "... (N characters)", so that a 100 MB value is not echoed in full.
QString quoteValue(const QString &value);
// A whole error message cut to 1,000 characters, the last guard before it is printed.
QString elideMessage(const QString &message);

// A numeric option of the settings' range table (settingranges.h): its name, and a help text
// with the range, the unit, what 0 means and `defaultText` ("default 4"). Shared by the window's
// and the headless mode's command lines.
QCommandLineOption settingOption(const poolscope::SettingRange &range, const QString &defaultText);
// Reads `range`'s option when set: false with a one-line error naming the option and its range
// when the value is not a number the option accepts.
bool readSettingOption(const QCommandLineParser &parser, const poolscope::SettingRange &range, std::optional<double> &out,
                       QString &error);

// The --serve-metrics option, shared by the window and the headless mode.
QCommandLineOption serveMetricsOption();
// Reads --serve-metrics when set; false with a one-line error naming the option.
bool readServeMetrics(const QCommandLineParser &parser, std::optional<ListenAddress> &out, QString &error);

// Parses `arguments` (argv as QStringList). Returns false with a one-line `error` naming the
// option for bad input. --help and --version print and exit inside, like every Qt program.
bool parseCommandLine(const QStringList &arguments, AppOptions &options, QString &error);
