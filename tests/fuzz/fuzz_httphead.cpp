// libFuzzer: the /metrics server's request head parser on arbitrary bytes.
#include "httprequesthead.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray bytes = QByteArray::fromRawData(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    HttpRequestHead head;
    if (parseHttpRequestHead(bytes, head) == HeadScan::Complete) {
        if (head.headBytes <= 0 || head.headBytes > bytes.size())
            __builtin_trap();
        if (head.status == 0 && (head.method.isEmpty() || head.target.isEmpty()))
            __builtin_trap();
        head.keepAlive();
    }
    return 0;
}
