#pragma once

struct HeadlessOptions;

// Runs options.sweep without a window: each size through a SweepRunner (the same PoolSession
// verbs as one run), a progress line and one line per measured point on standard error (none
// with --quiet), the knee's sentence at the end, then --export-json and --export-csv as the
// sweep. The first SIGINT or SIGTERM ends it early and still writes the points measured so far.
// Returns the process exit status (headlessrun.h's): 0, or 1 when an export could not be
// written or no pool could be started.
int runHeadlessSweep(const HeadlessOptions &options);
