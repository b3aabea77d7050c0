#pragma once
// A sweep's exports: JSON (the whole sweep, each point's run as a full snapshot under
// "run", so any point reopens like a saved run) and CSV (one row per point, the figures the
// sweep window's table shows). The JSON schema is in docs/snapshot-format.md ("Sweeps").

#include "sweeprunner.h"

#include <iosfwd>

namespace poolscope {

// Tells a sweep file from a run snapshot: the value of its top-level "kind".
inline constexpr std::string_view SweepKind = "poolscope-sweep";
inline constexpr int SweepFormat = 1;

void writeSweepJson(std::ostream &out, const SweepResult &sweep); // Thread-safe: a pure function.
void writeSweepCsv(std::ostream &out, const SweepResult &sweep);  // Thread-safe: a pure function.

} // namespace poolscope
