#pragma once
// Everything a user sets for a run: the pool's size, limit and policy, and the load. One
// plain value, so that a change is validated and applied as a whole (PoolSession::apply).

#include "exceptionreport.h"
#include "ioloadsettings.h"
#include "loadsettings.h"

#include <string>

namespace poolscope {

struct SessionSettings {
    // Ranges: settingranges.h (rangeOf(Setting::Workers) ...), checked by validate().
    unsigned workers = 2;     // threads
    unsigned concurrency = 0; // running at once; 0 = number of processors
    ExceptionPolicy policy = ExceptionPolicy::LogAndContinue;
    LoadSettings load{}; // an initializer, so that designated initializers may leave it out
    IoLoadSettings io{}; // the I/O load beside the units (echo, file reads)

    // Empty when every field is in range; otherwise one sentence naming the first bad field
    // and its range, e.g. "workers must be 0..1024 (got 2000)". Thread-safe.
    std::string validate() const;

    friend bool operator==(const SessionSettings &, const SessionSettings &) = default;
};

} // namespace poolscope
