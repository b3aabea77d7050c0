// libFuzzer: a --scenario file's text, turned into arguments and then checked like typed
// options (parseHeadlessOptions), as the headless mode does.
#include "headlessoptions.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray text = QByteArray::fromRawData(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    QStringList arguments;
    QString error;
    if (!scenarioToArguments(text, QStringLiteral("fuzz.json"), arguments, error)) {
        if (error.isEmpty())
            __builtin_trap();
        return 0;
    }
    // --help and --version print and exit: not what is fuzzed here.
    for (const QString &argument : arguments)
        if (argument.startsWith(QLatin1String("--help")) || argument.startsWith(QLatin1String("--version")))
            return 0;
    HeadlessOptions options;
    parseHeadlessOptions(QStringList{QStringLiteral("poolscope"), QStringLiteral("--headless")} + arguments, options, error);
    return 0;
}
