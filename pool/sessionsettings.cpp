#include "sessionsettings.h"

#include "workerpool.h"

namespace poolscope {

std::string SessionSettings::validate() const
{
    const auto tooMany = [](const char *field, unsigned value) {
        return std::string(field) + " must be 0.." + std::to_string(WorkerPool::MaxWorkers) + " (got " +
               std::to_string(value) + ")";
    };
    if (workers > WorkerPool::MaxWorkers)
        return tooMany("workers", workers);
    if (concurrency > WorkerPool::MaxWorkers)
        return tooMany("concurrency", concurrency);
    if (static_cast<unsigned>(policy) > static_cast<unsigned>(ExceptionPolicy::FailFast))
        return "policy is not one of log-and-continue, retire-worker, fail-fast";
    if (std::string error = load.validate(); !error.empty())
        return error;
    return io.validate();
}

} // namespace poolscope
