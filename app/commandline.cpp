#include "commandline.h"

#include "safefilewriter.h"

#include <QCommandLineParser>
#include <QFileInfo>

#include <string>
#include <string_view>

bool parseArguments(QCommandLineParser &parser, const QStringList &arguments, QString &error)
{
    if (!parser.parse(arguments)) {
        error = parser.errorText();
        return false;
    }
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0); // exits
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion(); // exits
    return true;
}

QString quoteValue(const QString &value)
{
    constexpr qsizetype Shown = 60;
    if (value.size() <= Shown)
        return QLatin1Char('\'') + value + QLatin1Char('\'');
    return QStringLiteral("'%1...' (%2 characters)").arg(value.left(Shown)).arg(value.size());
}

QString elideMessage(const QString &message)
{
    constexpr qsizetype Shown = 1000;
    if (message.size() <= Shown)
        return message;
    return QStringLiteral("%1... (%2 characters cut)").arg(message.left(Shown)).arg(message.size() - Shown);
}

namespace {
QString qtText(std::string_view text) { return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size())); }
} // namespace

QCommandLineOption settingOption(const poolscope::SettingRange &range, const QString &defaultText)
{
    QString bounds = QString::fromStdString(range.optionBounds());
    if (!range.unit.empty())
        bounds += QLatin1Char(' ') + qtText(range.unit);
    if (!range.zeroMeans.empty())
        bounds += QStringLiteral(", 0 = ") + qtText(range.zeroMeans);
    return {qtText(range.option), QStringLiteral("%1 (%2, %3).").arg(qtText(range.help), bounds, defaultText),
            range.unit.empty() ? QStringLiteral("n") : qtText(range.unit)};
}

bool readSettingOption(const QCommandLineParser &parser, const poolscope::SettingRange &range, std::optional<double> &out,
                       QString &error)
{
    const QString name = qtText(range.option);
    if (!parser.isSet(name))
        return true;
    bool ok = false;
    const double value = parser.value(name).toDouble(&ok);
    if (!ok || !range.optionAccepts(value)) {
        error = QStringLiteral("--%1 must be %2 (got %3)").arg(name, QString::fromStdString(range.optionBounds()), quoteValue(parser.value(name)));
        return false;
    }
    out = value;
    return true;
}

poolscope::IoLoadSettings AppOptions::ioLoadOver(poolscope::IoLoadSettings saved) const
{
    for (const auto &[setting, value] : ioOptions)
        poolscope::setIoOption(saved, setting, value);
    if (!ioScratchFolder.isEmpty())
        saved.scratchFolder = ioScratchFolder.toStdString();
    return saved;
}

QCommandLineOption serveMetricsOption()
{
    return {QStringLiteral("serve-metrics"),
            QStringLiteral("Serve the live metrics for Prometheus at http://<address>/metrics; <address> is PORT "
                           "(on 127.0.0.1), HOST:PORT or [IPv6]:PORT. Port 0 picks a free one."),
            QStringLiteral("address")};
}

bool readServeMetrics(const QCommandLineParser &parser, std::optional<ListenAddress> &out, QString &error)
{
    const QString name = QStringLiteral("serve-metrics");
    if (!parser.isSet(name))
        return true;
    ListenAddress address;
    if (!parseListenAddress(parser.value(name), address, error)) {
        error = QStringLiteral("--serve-metrics: ") + error;
        return false;
    }
    out = address;
    return true;
}

bool parseCommandLine(const QStringList &arguments, AppOptions &options, QString &error)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Poolscope: a live monitor for an IOCP-style worker pool.\n"
                       "Without a window: poolscope --headless --help"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption reset(QStringLiteral("reset-settings"), QStringLiteral("Forget the saved settings and start from the defaults."));
    const QCommandLineOption startLoad(QStringLiteral("start-load"), QStringLiteral("Start the load generator at once."));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Start the load, grab the window to <file> (PNG) after the delay, and quit."),
                                        QStringLiteral("file"));
    const QCommandLineOption delay(QStringLiteral("screenshot-delay"),
                                   QStringLiteral("Seconds of load before the screenshot (0.5..600, default 5)."),
                                   QStringLiteral("seconds"), QStringLiteral("5"));
    const QCommandLineOption idle(QStringLiteral("screenshot-idle"),
                                  QStringLiteral("With --screenshot: leave the load stopped (what a first launch shows)."));
    const QCommandLineOption wholeScreen(QStringLiteral("screenshot-screen"),
                                         QStringLiteral("With --screenshot: grab the whole screen (window frames, saved-run windows) "
                                                        "rather than the main window."));
    const QCommandLineOption alerts(QStringLiteral("alerts"),
                                    QStringLiteral("Alert rules for this session instead of the saved ones (not saved), separated by "
                                                   "';' or new lines, e.g. \"deep-queue: queued > 10000 for 5s\"."),
                                    QStringLiteral("rules"));
    parser.addOptions({reset, startLoad, screenshot, delay, idle, wholeScreen, serveMetricsOption(), alerts});
    // The I/O load, as the headless mode takes it; what is not given keeps its saved value.
    for (const poolscope::SettingRange &range : poolscope::settingRanges())
        if (poolscope::isIoSetting(range.setting))
            parser.addOption(settingOption(range, QStringLiteral("default: the saved I/O load")));
    const QCommandLineOption scratchFolder(QStringLiteral("io-scratch-folder"),
                                           QStringLiteral("File load: where the scratch file is made (default: the saved "
                                                          "folder, else the temporary folder)."),
                                           QStringLiteral("folder"));
    parser.addOption(scratchFolder);
    parser.addPositionalArgument(QStringLiteral("snapshot"), QStringLiteral("Saved runs (JSON snapshots) to open read-only beside the live one."),
                                 QStringLiteral("[snapshot.json...]"));
    if (!parseArguments(parser, arguments, error))
        return false;
    for (const QString &snapshot : parser.positionalArguments()) {
        if (!QFileInfo(snapshot).isFile()) {
            error = QStringLiteral("%1 is not a snapshot file (the app opens saved JSON snapshots given as arguments; see --help)").arg(quoteValue(snapshot));
            return false;
        }
        options.snapshots.append(snapshot);
    }
    if (!readServeMetrics(parser, options.serveMetrics, error))
        return false;
    if (parser.isSet(alerts)) {
        std::string message;
        options.alertRules.emplace();
        if (!poolscope::parseAlertRules(parser.value(alerts).toStdString(), *options.alertRules, message)) {
            error = QStringLiteral("--alerts: %1").arg(elideMessage(QString::fromStdString(message)));
            return false;
        }
    }
    for (const poolscope::SettingRange &range : poolscope::settingRanges()) {
        if (!poolscope::isIoSetting(range.setting))
            continue;
        std::optional<double> value;
        if (!readSettingOption(parser, range, value, error))
            return false;
        if (value)
            options.ioOptions.emplace_back(range.setting, *value);
    }
    if (parser.isSet(scratchFolder)) {
        options.ioScratchFolder = parser.value(scratchFolder);
        if (options.ioScratchFolder.isEmpty()) {
            error = QStringLiteral("--io-scratch-folder needs a folder");
            return false;
        }
    }
    options.resetSettings = parser.isSet(reset);
    options.startLoad = parser.isSet(startLoad);
    if (parser.isSet(screenshot)) {
        options.screenshotFile = parser.value(screenshot);
        // Every failure findable now (folder, name, type, writability), not after the run.
        if (std::string reason; !poolscope::checkExportTarget(options.screenshotFile.toStdString(), reason)) {
            error = QStringLiteral("--screenshot: %1").arg(elideMessage(QString::fromStdString(reason)));
            return false;
        }
        options.screenshotIdle = parser.isSet(idle);
        options.screenshotScreen = parser.isSet(wholeScreen);
        options.startLoad = !options.screenshotIdle;
    } else if (parser.isSet(idle) || parser.isSet(wholeScreen)) {
        error = QStringLiteral("--%1 needs --screenshot").arg(parser.isSet(idle) ? idle.names().constFirst() : wholeScreen.names().constFirst());
        return false;
    }
    bool ok = false;
    options.screenshotDelay = parser.value(delay).toDouble(&ok);
    // Written so that NaN fails it too (NaN passes "x < lo || x > hi").
    if (!ok || !(options.screenshotDelay >= 0.5 && options.screenshotDelay <= 600)) {
        error = QStringLiteral("--screenshot-delay must be a number of seconds in 0.5..600 (got %1)").arg(quoteValue(parser.value(delay)));
        return false;
    }
    return true;
}
