#include "httprequesthead.h"

#include <algorithm>

namespace {

constexpr qsizetype MaxFields = 100;

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(const QByteArray &text)
{
    if (text.isEmpty())
        return false;
    for (const char c : text)
        if (!isTokenChar(c))
            return false;
    return true;
}

// A field value or a request target: visible characters, spaces and tabs (targets: no spaces).
bool isFieldText(const QByteArray &text)
{
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f)
            return false;
    }
    return true;
}

bool parseRequestLine(const QByteArray &line, HttpRequestHead &head)
{
    const QList<QByteArray> parts = line.split(' ');
    if (parts.size() != 3 || !isToken(parts[0]) || parts[1].isEmpty() || !isFieldText(parts[1])) {
        head.status = 400; // also HTTP/0.9's "GET /path", which has no version
        return false;
    }
    head.method = parts[0];
    head.target = parts[1];
    const QByteArray &version = parts[2];
    // "HTTP/" DIGIT "." DIGIT
    if (version.size() != 8 || !version.startsWith("HTTP/") || version[6] != '.' || version[5] < '0' || version[5] > '9' ||
        version[7] < '0' || version[7] > '9') {
        head.status = 400;
        return false;
    }
    if (version[5] != '1') { // HTTP/2 and later are not spoken here over this text protocol
        head.status = 505;
        return false;
    }
    head.minorVersion = version[7] - '0';
    return true;
}

} // namespace

QByteArray HttpRequestHead::field(const QByteArray &lowerCaseName) const
{
    for (const auto &[name, value] : fields)
        if (name == lowerCaseName)
            return value;
    return {};
}

bool HttpRequestHead::keepAlive() const
{
    if (minorVersion == 0)
        return false;
    for (const QByteArray &option : field("connection").split(','))
        if (option.trimmed().toLower() == "close")
            return false;
    return true;
}

HeadScan parseHttpRequestHead(const QByteArray &buffer, HttpRequestHead &head)
{
    head = HttpRequestHead();
    qsizetype start = 0;
    while (buffer.mid(start, 2) == "\r\n") // robustness: blank lines before a request
        start += 2;
    const qsizetype end = buffer.indexOf("\r\n\r\n", start);
    if (end < 0)
        return HeadScan::Incomplete;
    head.headBytes = end + 4;
    const QList<QByteArray> lines = buffer.mid(start, end - start).split('\n');
    QList<QByteArray> clean;
    clean.reserve(lines.size());
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QByteArray &line = lines[i];
        if (!line.endsWith('\r') && i + 1 < lines.size()) { // a bare LF inside the head
            head.status = 400;
            return HeadScan::Complete;
        }
        clean.append(line.endsWith('\r') ? line.chopped(1) : line);
    }
    if (!parseRequestLine(clean.first(), head))
        return HeadScan::Complete;
    if (clean.size() - 1 > MaxFields) {
        head.status = 431;
        return HeadScan::Complete;
    }
    for (qsizetype i = 1; i < clean.size(); ++i) {
        const QByteArray &line = clean[i];
        const qsizetype colon = line.indexOf(':');
        // No colon, a space before it, or a folded continuation line: all 400 (RFC 9112 5.1, 5.2).
        if (colon <= 0 || !isToken(line.left(colon)) || !isFieldText(line.mid(colon + 1))) {
            head.status = 400;
            return HeadScan::Complete;
        }
        head.fields.append({line.left(colon).toLower(), line.mid(colon + 1).trimmed()});
    }
    if (head.minorVersion >= 1 &&
        std::none_of(head.fields.begin(), head.fields.end(), [](const auto &f) { return f.first == "host"; })) {
        head.status = 400; // HTTP/1.1 requires Host
        return HeadScan::Complete;
    }
    if (!head.field("transfer-encoding").isEmpty()) {
        head.contentLength = -1;
    } else if (const QByteArray length = head.field("content-length"); !length.isEmpty()) {
        bool ok = false;
        head.contentLength = length.toLongLong(&ok);
        if (!ok || head.contentLength < 0) {
            head.status = 400;
            return HeadScan::Complete;
        }
    }
    return HeadScan::Complete;
}
