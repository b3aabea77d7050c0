// libFuzzer: the command lines of both modes. The input is the arguments separated by NUL
// bytes; its first byte picks the window's parser (even) or the headless one (odd).
#include "commandline.h"
#include "headlessoptions.h"

#include <QDir>

#include <cstddef>
#include <cstdint>

namespace {
// --help, --version and their short and compacted forms print and exit: skipped, as they
// are tested by ctest (app.poolscope_help).
bool asksForHelpOrVersion(const QString &argument)
{
    if (argument.startsWith(QLatin1String("--")))
        return argument.startsWith(QLatin1String("--h")) || argument.startsWith(QLatin1String("--v"));
    return argument.startsWith(QLatin1Char('-')) &&
           (argument.contains(QLatin1Char('h')) || argument.contains(QLatin1Char('v')) || argument.contains(QLatin1Char('?')));
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    // Export paths are checked by creating (and removing) a file in their folder: keep
    // relative ones in a scratch folder.
    const QString scratch = QDir::temp().filePath(QStringLiteral("poolscope-fuzz-commandline"));
    QDir().mkpath(scratch);
    QDir::setCurrent(scratch);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    const bool headless = (data[0] & 1) != 0;
    const QByteArray bytes = QByteArray::fromRawData(reinterpret_cast<const char *>(data + 1), static_cast<qsizetype>(size - 1));
    QStringList arguments{QStringLiteral("poolscope")};
    if (headless)
        arguments.append(QStringLiteral("--headless"));
    for (const QByteArray &part : bytes.split('\0')) {
        const QString argument = QString::fromUtf8(part);
        if (asksForHelpOrVersion(argument))
            return 0;
        arguments.append(argument);
    }
    QString error;
    if (headless) {
        HeadlessOptions options;
        if (!parseHeadlessOptions(arguments, options, error) && error.isEmpty())
            __builtin_trap();
    } else {
        AppOptions options;
        if (!parseCommandLine(arguments, options, error) && error.isEmpty())
            __builtin_trap();
    }
    return 0;
}
