#pragma once

#include "loadsettings.h"
#include "workerpool.h"

#include <QString>

// One-line descriptions of what a run was set up with, for a saved run's header and the
// caption of exported charts, so that both say it in the same words. Pure functions of
// the values: any thread.

// "4 workers, concurrency 2" ("concurrency = processors" for 0).
QString describePool(unsigned workers, unsigned concurrency);

// "bursts of 1000 every 50 ms; 1 producer(s); 200 µs exponential cost; 25% blocking;
// 2% throwing runtime-error".
QString describeLoad(const poolscope::LoadSettings &load);
