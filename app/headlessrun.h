#pragma once

struct HeadlessOptions;

// Exit statuses of a headless run: 0 done, 1 an export could not be written, 2 a bad option
// or input (nothing ran), 3 the pool failed fast (policy fail-fast and a unit threw; the
// exports were written and describe the run up to there).
constexpr int ExitExportFailed = 1;
constexpr int ExitBadInput = 2;
constexpr int ExitFailedFast = 3;

// Runs a scenario without a window, for scripts and CI, through the same PoolSession verbs
// as the GUI: start the load, then at --duration (or the first SIGINT or SIGTERM, or when the
// pool failed fast) begin the shutdown, drain fast (what is queued is cancelled, running units
// finish), and write the exports. Returns the process exit status.
int runHeadless(const HeadlessOptions &options);
