#include "headlessoptions.h"

#include "boundedfile.h"
#include "commandline.h"
#include "exportpaths.h"
#include "settingranges.h"
#include "sweepoptions.h"
#include "watchoptions.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <array>
#include <cmath>
#include <cstring>
#include <vector>

using namespace poolscope;

bool wantsHeadless(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--headless") == 0)
            return true;
    return false;
}

namespace {

// A scenario is a few hundred bytes of options: anything past this is not one.
constexpr qint64 MaxScenarioBytes = 1024 * 1024;


// The numeric options (one per Setting of settingranges.h) as doubles, as they are parsed
// and range-checked, taken from and put back into a HeadlessOptions.
class Numbers {
public:
    explicit Numbers(const HeadlessOptions &o)
    {
        const LoadSettings &load = o.settings.load;
        at(Setting::Workers) = o.settings.workers;
        at(Setting::Concurrency) = o.settings.concurrency;
        at(Setting::Producers) = load.producers;
        at(Setting::Rate) = load.ratePerSecond;
        at(Setting::BurstSize) = load.burstSize;
        at(Setting::BurstInterval) = double(load.burstInterval.count());
        at(Setting::Period) = double(load.period.count());
        at(Setting::MeanCost) = double(load.meanCost.count());
        at(Setting::BlockingShare) = load.blockingShare;
        at(Setting::BlockingTime) = double(load.blockingTime.count());
        at(Setting::ExceptionProbability) = load.exceptionProbability;
        at(Setting::QueueCap) = double(load.queueCap);
        at(Setting::SampleRate) = o.sampleRateHz;
        at(Setting::Duration) = o.durationSeconds;
        at(Setting::History) = o.historySeconds;
        at(Setting::SweepWarmUp) = o.sweepWarmUpSeconds;
        at(Setting::SweepPeriod) = o.sweepPeriodSeconds;
        at(Setting::WaitTarget) = o.waitTargetMs;
        for (const SettingRange &range : settingRanges())
            if (isIoSetting(range.setting))
                at(range.setting) = ioOptionValue(o.settings.io, range.setting);
    }

    // Each value in its range (checked by the caller), so every cast below is defined.
    void storeInto(HeadlessOptions &o) const
    {
        LoadSettings &load = o.settings.load;
        o.settings.workers = static_cast<unsigned>(at(Setting::Workers));
        o.settings.concurrency = static_cast<unsigned>(at(Setting::Concurrency));
        load.producers = static_cast<unsigned>(at(Setting::Producers));
        load.ratePerSecond = at(Setting::Rate);
        load.burstSize = static_cast<unsigned>(at(Setting::BurstSize));
        load.burstInterval = std::chrono::milliseconds(static_cast<long long>(at(Setting::BurstInterval)));
        load.period = std::chrono::milliseconds(static_cast<long long>(at(Setting::Period)));
        load.meanCost = std::chrono::microseconds(static_cast<long long>(at(Setting::MeanCost)));
        load.blockingShare = at(Setting::BlockingShare);
        load.blockingTime = std::chrono::microseconds(static_cast<long long>(at(Setting::BlockingTime)));
        load.exceptionProbability = at(Setting::ExceptionProbability);
        load.queueCap = static_cast<std::uint64_t>(at(Setting::QueueCap));
        o.sampleRateHz = at(Setting::SampleRate);
        o.durationSeconds = at(Setting::Duration);
        o.historySeconds = at(Setting::History);
        o.sweepWarmUpSeconds = at(Setting::SweepWarmUp);
        o.sweepPeriodSeconds = at(Setting::SweepPeriod);
        o.waitTargetMs = at(Setting::WaitTarget);
        for (const SettingRange &range : settingRanges())
            if (isIoSetting(range.setting))
                setIoOption(o.settings.io, range.setting, at(range.setting));
    }

    double &at(Setting setting) { return m_values.at(static_cast<std::size_t>(setting)); }
    double at(Setting setting) const { return m_values.at(static_cast<std::size_t>(setting)); }

private:
    std::array<double, SettingCount> m_values{};
};

// Every headless option. The scenario file's keys are these names, minus help, version,
// headless and scenario.
QList<QCommandLineOption> headlessOptions()
{
    QList<QCommandLineOption> list;
    const auto add = [&list](const char *name, const char *help, const char *value) {
        list.append({QLatin1String(name), QLatin1String(help), QLatin1String(value)});
    };
    list.append({QStringLiteral("headless"), QStringLiteral("Run without a window.")});
    add("scenario", "Read options from a JSON file whose keys are these options' names, e.g. "
                    "{\"workers\": 4, \"pattern\": \"bursts\"}; the command line overrides it.", "file");
    // Every numeric option: its help, range and unit from settingranges.h, its default from HeadlessOptions.
    const Numbers defaults{HeadlessOptions{}};
    for (const SettingRange &range : settingRanges())
        list.append(settingOption(range, QStringLiteral("default %1").arg(QString::fromStdString(numberText(defaults.at(range.setting))))));
    add("io-scratch-folder", "File load: where the scratch file is made (default: the temporary folder).", "folder");
    add("policy", "log-and-continue, retire-worker or fail-fast.", "name");
    add("pattern", "steady, bursts, ramp, sine or as-fast-as-possible.", "name");
    add("distribution", "constant, uniform or exponential.", "name");
    add("exception-type", "runtime-error, custom-exception, non-std-class or int.", "name");
    add("export-json", "Write the snapshot (JSON) to <file>, or - for standard output.", "file");
    add("export-csv", "Write the time series (CSV) to <file>, or -.", "file");
    add("export-openmetrics", "Write the final metrics (OpenMetrics text) to <file>, or -.", "file");
    list.append(serveMetricsOption());
    list.append(sweepOptions());
    list.append(watchOptions());
    list.append({QStringLiteral("quiet"), QStringLiteral("No progress line on standard error.")});
    return list;
}

void setUpParser(QCommandLineParser &parser)
{
    parser.setApplicationDescription(QStringLiteral("Poolscope headless: run a scenario and export what happened."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions(headlessOptions());
}

// Turns a scenario file into command-line arguments ("--key=value"), so that its values
// go through the same checks as typed ones.
bool readScenario(const QString &path, QStringList &arguments, QString &error)
{
    QByteArray contents;
    if (!readBoundedFile(path, MaxScenarioBytes, contents, error)) {
        error = QStringLiteral("--scenario: cannot read %1: %2").arg(quoteValue(path), error);
        return false;
    }
    return scenarioToArguments(contents, path, arguments, error);
}

} // namespace

bool scenarioToArguments(const QByteArray &contents, const QString &path, QStringList &arguments, QString &error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(contents, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        error = parseError.error != QJsonParseError::NoError
                    ? QStringLiteral("scenario '%1': not JSON: %2 at offset %3").arg(path, parseError.errorString()).arg(parseError.offset)
                    : QStringLiteral("scenario '%1': must be a JSON object of option names and values").arg(path);
        return false;
    }
    QStringList known;
    for (const QCommandLineOption &option : headlessOptions())
        if (option.names().first() != QLatin1String("headless") && option.names().first() != QLatin1String("scenario"))
            known.append(option.names().first());
    const QJsonObject object = document.object();
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = it.key();
        if (!known.contains(key)) {
            error = QStringLiteral("scenario '%1': unknown key %2 (the keys are: %3)").arg(path, quoteValue(key), known.join(QStringLiteral(", ")));
            return false;
        }
        const QJsonValue value = it.value();
        if (key == QLatin1String("quiet")) {
            if (!value.isBool()) {
                error = QStringLiteral("scenario '%1': 'quiet' must be true or false").arg(path);
                return false;
            }
            if (value.toBool())
                arguments.append(QStringLiteral("--quiet"));
        } else if (value.isDouble()) {
            arguments.append(QStringLiteral("--%1=%2").arg(key, QString::number(value.toDouble(), 'g', 17)));
        } else if (value.isString()) {
            arguments.append(QStringLiteral("--%1=%2").arg(key, value.toString()));
        } else if (key == QLatin1String("alerts") && value.isArray()) { // one rule a string
            QStringList rules;
            for (const QJsonValue &rule : value.toArray()) {
                if (!rule.isString()) {
                    error = QStringLiteral("scenario '%1': 'alerts' must be a string or an array of strings").arg(path);
                    return false;
                }
                rules.append(rule.toString());
            }
            arguments.append(QStringLiteral("--alerts=%1").arg(rules.join(QLatin1Char('\n'))));
        } else {
            error = QStringLiteral("scenario '%1': '%2' must be a number or a string").arg(path, key);
            return false;
        }
    }
    return true;
}

namespace {

// Reads every option of a parsed command line into `options`.
bool readOptions(const QCommandLineParser &parser, HeadlessOptions &options, QString &error)
{
    if (!parser.positionalArguments().isEmpty()) {
        error = QStringLiteral("unexpected argument %1 (see --help)").arg(quoteValue(parser.positionalArguments().first()));
        return false;
    }
    Numbers numbers(options);
    for (const SettingRange &range : settingRanges()) {
        std::optional<double> value;
        if (!readSettingOption(parser, range, value, error))
            return false;
        if (value)
            numbers.at(range.setting) = *value;
    }
    numbers.storeInto(options);
    if (parser.isSet(QStringLiteral("io-scratch-folder"))) {
        options.settings.io.scratchFolder = parser.value(QStringLiteral("io-scratch-folder")).toStdString();
        if (options.settings.io.scratchFolder.empty()) {
            error = QStringLiteral("--io-scratch-folder needs a folder");
            return false;
        }
    }

    const auto named = [&](const char *name, auto parse, auto &target, const char *choices) {
        const QString option = QLatin1String(name);
        if (!parser.isSet(option))
            return true;
        const auto parsed = parse(parser.value(option).toStdString());
        if (!parsed) {
            error = QStringLiteral("--%1 must be one of %2 (got %3)").arg(option, QLatin1String(choices), quoteValue(parser.value(option)));
            return false;
        }
        target = *parsed;
        return true;
    };
    const auto parsePolicy = [](const std::string &text) {
        ExceptionPolicy policy{};
        return parseExceptionPolicy(text, policy) ? std::optional(policy) : std::nullopt;
    };
    if (!named("policy", parsePolicy, options.settings.policy, "log-and-continue, retire-worker, fail-fast") ||
        !named("pattern", [](const std::string &t) { return parseLoadPattern(t); }, options.settings.load.pattern,
               "steady, bursts, ramp, sine, as-fast-as-possible") ||
        !named("distribution", [](const std::string &t) { return parseCostDistribution(t); },
               options.settings.load.costDistribution, "constant, uniform, exponential") ||
        !named("exception-type", [](const std::string &t) { return parseThrownType(t); }, options.settings.load.exceptionType,
               "runtime-error, custom-exception, non-std-class, int"))
        return false;

    if (!readServeMetrics(parser, options.serveMetrics, error) || !readSweep(parser, options, error) ||
        !readWatchOptions(parser, options, error))
        return false;
    options.quiet = parser.isSet(QStringLiteral("quiet"));
    std::vector<ExportPath> exports;
    for (const auto &[name, target] : {std::pair{"export-json", &options.exportJson}, std::pair{"export-csv", &options.exportCsv},
                                       std::pair{"export-openmetrics", &options.exportOpenMetrics}}) {
        if (!parser.isSet(QLatin1String(name)))
            continue;
        *target = parser.value(QLatin1String(name));
        if (target->isEmpty()) {
            error = QStringLiteral("--%1 needs a file name, or - for standard output").arg(QLatin1String(name));
            return false;
        }
        exports.push_back({name, *target});
    }
    return checkExportPaths(exports, error);
}

} // namespace

bool parseHeadlessOptions(const QStringList &arguments, HeadlessOptions &options, QString &error)
{
    QCommandLineParser parser;
    setUpParser(parser);
    if (!parseArguments(parser, arguments, error))
        return false;
    const QString scenario = parser.value(QStringLiteral("scenario"));
    if (!parser.isSet(QStringLiteral("scenario")))
        return readOptions(parser, options, error);
    if (scenario.isEmpty()) {
        error = QStringLiteral("--scenario needs a file name");
        return false;
    }

    QStringList fromFile;
    if (!readScenario(scenario, fromFile, error))
        return false;
    const QString program = arguments.value(0, QStringLiteral("poolscope"));
    {
        // The file's values alone first, so that a bad one is blamed on the file.
        QCommandLineParser fileParser;
        setUpParser(fileParser);
        HeadlessOptions fileOptions = options;
        if (!fileParser.parse(QStringList{program} + fromFile)) {
            error = QStringLiteral("scenario '%1': %2").arg(scenario, fileParser.errorText());
            return false;
        }
        if (!readOptions(fileParser, fileOptions, error)) {
            error = QStringLiteral("scenario '%1': %2").arg(scenario, error);
            return false;
        }
    }
    // Then the file with the command line after it: for an option given twice, the last wins.
    QCommandLineParser combined;
    setUpParser(combined);
    if (!combined.parse(QStringList{program} + fromFile + arguments.mid(1))) {
        error = combined.errorText();
        return false;
    }
    return readOptions(combined, options, error);
}

