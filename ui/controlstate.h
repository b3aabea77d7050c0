#pragma once

#include "exceptionreport.h"
#include "ioloadsettings.h"
#include "loadsettings.h"

// Everything the control panel sets: what is saved in the settings and restored at start.
struct ControlState {
    int workers = 4;
    int concurrency = 2;
    poolscope::ExceptionPolicy policy = poolscope::ExceptionPolicy::LogAndContinue;
    poolscope::LoadSettings load;
    poolscope::IoLoadSettings io; // the I/O load panel's (IoLoadPanel)

    friend bool operator==(const ControlState &, const ControlState &) = default;
};
