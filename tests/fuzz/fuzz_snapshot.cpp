// libFuzzer: the snapshot reader (File -> Open) on arbitrary bytes. Any crash, sanitizer
// report, leak or out-of-memory is a bug; a refusal with a message is the expected outcome.
#include "snapshotreader.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    poolscope::RunReport report;
    QString error;
    const QByteArray json = QByteArray::fromRawData(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    if (!readSnapshot(json, report, error) && error.isEmpty())
        __builtin_trap(); // a refusal always says why
    return 0;
}
