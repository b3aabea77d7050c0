#include "headlessoptions.h"

#include "boundedfile.h"
#include "commandline.h"
#include "exportpaths.h"
#include "sweepoptions.h"
#include "watchoptions.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

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

struct NumberOption {
    const char *name;
    const char *range;
    double low, high;
    double *target;
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
    add("workers", "Worker threads, 0..1024 (default 2).", "n");
    add("concurrency", "Concurrency limit, 0..1024, 0 = processors (default 0).", "n");
    add("policy", "log-and-continue, retire-worker or fail-fast.", "name");
    add("producers", "Producer threads, 1..8.", "n");
    add("pattern", "steady, bursts, ramp, sine or as-fast-as-possible.", "name");
    add("rate", "Units per second, 1..10000000 (peak for ramp and sine).", "n");
    add("burst-size", "Units per burst, 1..1000000.", "n");
    add("burst-interval", "Milliseconds between bursts, 1..60000.", "ms");
    add("period", "Ramp and sine period in milliseconds, 100..600000.", "ms");
    add("cost", "Mean CPU time per unit in microseconds, 0..100000.", "us");
    add("distribution", "constant, uniform or exponential.", "name");
    add("blocking-share", "Share of units that block, 0..1.", "fraction");
    add("blocking-time", "Microseconds a blocking unit blocks, 0..10000000.", "us");
    add("exception-probability", "Probability that a unit throws, 0..1.", "p");
    add("exception-type", "runtime-error, custom-exception, non-std-class or int.", "name");
    add("queue-cap", "Queued units at which producers wait, 1..10000000.", "n");
    add("io-connections", "Echo load: client connections to a loopback echo server on the pool's port, 0..256; "
                          "0 = no echo load (default).", "n");
    add("io-message-size", "Echo load: bytes per message, 1..1048576 (default 512).", "bytes");
    add("io-rate", "Echo load: messages per second over all connections, 0..1000000; 0 = as fast as possible.", "n");
    add("io-think-time", "Echo load: microseconds a client waits after each echo, 0..10000000.", "us");
    add("io-cost", "Echo load: server CPU time per message in microseconds, 0..100000.", "us");
    add("io-reads", "File load: reads kept outstanding on a scratch file, 0..256; 0 = no file reads (default).", "n");
    add("io-block-size", "File load: bytes per read, 512..1048576 (default 4096).", "bytes");
    add("io-scratch-folder", "File load: where the scratch file is made (default: the temporary folder).", "folder");
    add("duration", "Seconds to run, 0.1..86400 (default 10).", "s");
    add("sample-rate", "Samples per second, 1..100 (default 20).", "hz");
    add("history", "Seconds of the newest history in the JSON and CSV exports, 0..86400; 0 = all (default).", "s");
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
    double workers = options.settings.workers, concurrency = options.settings.concurrency, producers = options.settings.load.producers,
           rate = options.settings.load.ratePerSecond, burstSize = options.settings.load.burstSize,
           burstInterval = double(options.settings.load.burstInterval.count()), period = double(options.settings.load.period.count()),
           cost = double(options.settings.load.meanCost.count()), blockingShare = options.settings.load.blockingShare,
           blockingTime = double(options.settings.load.blockingTime.count()),
           exceptionProbability = options.settings.load.exceptionProbability, queueCap = double(options.settings.load.queueCap);
    const IoLoadSettings &io = options.settings.io;
    double ioConnections = io.echo ? io.connections : 0, ioMessageSize = io.messageBytes, ioRate = io.messagesPerSecond,
           ioThink = double(io.thinkTime.count()), ioCost = double(io.costPerMessage.count()),
           ioReads = io.fileReads ? io.readsOutstanding : 0, ioBlock = io.blockBytes;
    const NumberOption numbers[] = {
        {"workers", "0..1024", 0, 1024, &workers},
        {"concurrency", "0..1024", 0, 1024, &concurrency},
        {"producers", "1..8", 1, 8, &producers},
        {"rate", "1..10000000", 1, 1e7, &rate},
        {"burst-size", "1..1000000", 1, 1e6, &burstSize},
        {"burst-interval", "1..60000", 1, 60000, &burstInterval},
        {"period", "100..600000", 100, 600000, &period},
        {"cost", "0..100000", 0, 100000, &cost},
        {"blocking-share", "0..1", 0, 1, &blockingShare},
        {"blocking-time", "0..10000000", 0, 1e7, &blockingTime},
        {"exception-probability", "0..1", 0, 1, &exceptionProbability},
        {"queue-cap", "1..10000000", 1, 1e7, &queueCap},
        {"io-connections", "0..256", 0, 256, &ioConnections},
        {"io-message-size", "1..1048576", 1, 1048576, &ioMessageSize},
        {"io-rate", "0..1000000", 0, 1e6, &ioRate},
        {"io-think-time", "0..10000000", 0, 1e7, &ioThink},
        {"io-cost", "0..100000", 0, 100000, &ioCost},
        {"io-reads", "0..256", 0, 256, &ioReads},
        {"io-block-size", "512..1048576", 512, 1048576, &ioBlock},
        {"duration", "0.1..86400", 0.1, 86400, &options.durationSeconds},
        {"sample-rate", "1..100", 1, 100, &options.sampleRateHz},
        {"history", "0..86400", 0, 86400, &options.historySeconds},
        {"sweep-warmup", "0..3600", 0, 3600, &options.sweepWarmUpSeconds},
        {"sweep-period", "0.1..3600", 0.1, 3600, &options.sweepPeriodSeconds},
        {"wait-target", "0.001..3600000", 0.001, 3.6e6, &options.waitTargetMs},
    };
    for (const NumberOption &number : numbers) {
        const QString name = QLatin1String(number.name);
        if (!parser.isSet(name))
            continue;
        bool ok = false;
        const double value = parser.value(name).toDouble(&ok);
        if (!ok || !std::isfinite(value) || value < number.low || value > number.high) {
            error = QStringLiteral("--%1 must be %2 (got %3)").arg(name, QLatin1String(number.range), quoteValue(parser.value(name)));
            return false;
        }
        *number.target = value;
    }
    options.settings.workers = static_cast<unsigned>(workers);
    options.settings.concurrency = static_cast<unsigned>(concurrency);
    options.settings.load.producers = static_cast<unsigned>(producers);
    options.settings.load.ratePerSecond = rate;
    options.settings.load.burstSize = static_cast<unsigned>(burstSize);
    options.settings.load.burstInterval = std::chrono::milliseconds(static_cast<long long>(burstInterval));
    options.settings.load.period = std::chrono::milliseconds(static_cast<long long>(period));
    options.settings.load.meanCost = std::chrono::microseconds(static_cast<long long>(cost));
    options.settings.load.blockingShare = blockingShare;
    options.settings.load.blockingTime = std::chrono::microseconds(static_cast<long long>(blockingTime));
    options.settings.load.exceptionProbability = exceptionProbability;
    options.settings.load.queueCap = static_cast<std::uint64_t>(queueCap);
    IoLoadSettings &ioOut = options.settings.io;
    ioOut.echo = ioConnections >= 1;
    ioOut.connections = ioOut.echo ? static_cast<unsigned>(ioConnections) : ioOut.connections;
    ioOut.messageBytes = static_cast<std::uint32_t>(ioMessageSize);
    ioOut.messagesPerSecond = ioRate;
    ioOut.thinkTime = std::chrono::microseconds(static_cast<long long>(ioThink));
    ioOut.costPerMessage = std::chrono::microseconds(static_cast<long long>(ioCost));
    ioOut.fileReads = ioReads >= 1;
    ioOut.readsOutstanding = ioOut.fileReads ? static_cast<unsigned>(ioReads) : ioOut.readsOutstanding;
    ioOut.blockBytes = static_cast<std::uint32_t>(ioBlock);
    if (parser.isSet(QStringLiteral("io-scratch-folder"))) {
        ioOut.scratchFolder = parser.value(QStringLiteral("io-scratch-folder")).toStdString();
        if (ioOut.scratchFolder.empty()) {
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

