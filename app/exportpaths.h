#pragma once

#include <QString>

#include <functional>
#include <iosfwd>
#include <vector>

// The headless exports' paths, checked together before the run and written after it.
struct ExportPath {
    const char *option; // "export-json"
    QString path;       // "-" is standard output; empty: not asked for
};

// Every failure that can be found before the run (see poolscope::checkExportTarget), and two
// exports to the same file. False with a one-line error naming the option. Thread-safe.
bool checkExportPaths(const std::vector<ExportPath> &exports, QString &error);

// Writes one export through the safe writer ("-" to standard output); an empty path writes
// nothing. False after printing a one-line message to standard error. Thread-safe.
bool writeExportPath(const QString &path, const std::function<void(std::ostream &)> &write);
