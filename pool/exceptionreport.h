#pragma once
// What the pool tells its owner about a unit that threw.

#include "workunit.h"

#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

namespace poolscope {

enum class ExceptionPolicy : std::uint8_t {
    LogAndContinue, // count, report, keep the worker
    RetireWorker,   // the worker that threw exits and a fresh thread replaces it
    FailFast,       // stop accepting, cancel what is queued, keep the first exception
};

std::string_view nameOf(ExceptionPolicy policy) noexcept;
// Accepts the names nameOf() gives; returns false for anything else.
bool parseExceptionPolicy(std::string_view text, ExceptionPolicy &policy) noexcept;

// One caught exception. Plain value: safe to copy to any thread. Only the owner's thread
// should rethrow `exception` (the object it points to is shared, not copied).
struct ExceptionReport {
    std::uint64_t sequence = 0; // 1, 2, 3 ... per pool, in the order the throws were caught
    std::chrono::system_clock::time_point time;
    std::uint32_t workerIndex = 0;
    std::string threadName;
    std::uint64_t unitId = 0;
    std::string unitTag;        // empty when the unit had none
    std::string typeName;       // demangled, e.g. "std::runtime_error" or "int"
    std::string message;        // what() for std::exception, a rendering for other types
    std::exception_ptr exception;
};

// Builds typeName and message for the exception currently being handled (call it only
// inside a catch block). Handles std::exception, std::nested_exception, and any other type
// by its demangled name (and value, for arithmetic types and strings).
void describeCurrentException(std::string &typeName, std::string &message);

} // namespace poolscope
