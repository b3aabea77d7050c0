#pragma once

// SIGINT and SIGTERM for a headless run: from the first instruction of main() to the last byte
// of the exports, a first signal only asks the run to end early (the exports are still written),
// and a second one, of either kind, gets the default action and kills the process.
//
// Threading: install once, from main() before any other thread exists; the handler may run
// on any thread (it only stores to lock-free atomics and resets the two dispositions, all
// async-signal-safe); stopRequested() may be read from any thread.

// Installs the one-shot handlers for SIGINT and SIGTERM.
void installStopSignals();

// The signal that asked to stop (SIGINT or SIGTERM), or 0. Thread-safe.
int stopRequested() noexcept;

// Back to the default actions, once the exports are written.
void restoreStopSignals();

// A test-only pause point: when the environment variable POOLSCOPE_TEST_HOLD names `point`,
// prints "poolscope: test hold at <point>" to standard error and waits until a stop signal
// arrives (at most 60 s), so that a test can deliver its signal exactly there. With
// POOLSCOPE_TEST_HOLD=<point>-forever it waits the 60 s whatever arrives, so that a second
// signal can be shown to kill. Does nothing otherwise.
void testHoldPoint(const char *point);
