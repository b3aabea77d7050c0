#include "exportpaths.h"

#include "safefilewriter.h"

#include <cstdio>
#include <iostream>
#include <map>
#include <string>

namespace {
std::string nativePath(const QString &path)
{
    return path == QStringLiteral("-") ? std::string("/dev/stdout") : path.toStdString();
}
} // namespace

bool checkExportPaths(const std::vector<ExportPath> &exports, QString &error)
{
    std::map<std::string, const char *> taken; // identity -> option
    for (const ExportPath &item : exports) {
        if (item.path.isEmpty())
            continue;
        const std::string path = nativePath(item.path);
        std::string message;
        if (!poolscope::checkExportTarget(path, message)) {
            error = QStringLiteral("--%1: %2").arg(QLatin1String(item.option), QString::fromStdString(message));
            return false;
        }
        const std::string identity = poolscope::exportTargetIdentity(path);
        if (identity.empty())
            continue; // a device or standard output: several exports may share it
        const auto [it, inserted] = taken.emplace(identity, item.option);
        if (!inserted) {
            error = QStringLiteral("--%1 and --%2 would write the same file '%3'; the first would be lost")
                        .arg(QLatin1String(it->second), QLatin1String(item.option), item.path);
            return false;
        }
    }
    return true;
}

bool writeExportPath(const QString &path, const std::function<void(std::ostream &)> &write)
{
    if (path.isEmpty())
        return true;
    std::cout.flush(); // nothing of ours may sit in the stream's buffer behind the bytes written directly
    std::string error;
    if (!poolscope::writeFileSafely(nativePath(path), write, error)) {
        std::fprintf(stderr, "poolscope: %s\n", error.c_str());
        return false;
    }
    return true;
}
