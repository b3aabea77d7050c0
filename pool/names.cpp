// Text names of the pool's enums: what the UI shows and the exports write.

#include "completionpacket.h"
#include "exceptionreport.h"
#include "poolsnapshot.h"

namespace poolscope {

std::string_view nameOf(DequeueOutcome outcome) noexcept
{
    switch (outcome) {
    case DequeueOutcome::Timeout: return "timeout";
    case DequeueOutcome::Closed: return "closed";
    case DequeueOutcome::Alerted: return "alerted";
    case DequeueOutcome::IoFailed: return "io-failed";
    case DequeueOutcome::UserPosted: return "user-posted";
    case DequeueOutcome::EndOfStream: return "end-of-stream";
    case DequeueOutcome::BytesTransferred: return "bytes-transferred";
    }
    return "unknown";
}

std::string_view nameOf(ExceptionPolicy policy) noexcept
{
    switch (policy) {
    case ExceptionPolicy::LogAndContinue: return "log-and-continue";
    case ExceptionPolicy::RetireWorker: return "retire-worker";
    case ExceptionPolicy::FailFast: return "fail-fast";
    }
    return "unknown";
}

bool parseExceptionPolicy(std::string_view text, ExceptionPolicy &policy) noexcept
{
    for (ExceptionPolicy candidate :
         {ExceptionPolicy::LogAndContinue, ExceptionPolicy::RetireWorker, ExceptionPolicy::FailFast}) {
        if (text == nameOf(candidate)) {
            policy = candidate;
            return true;
        }
    }
    return false;
}

std::string_view nameOf(PoolState state) noexcept
{
    switch (state) {
    case PoolState::Running: return "running";
    case PoolState::Draining: return "draining";
    case PoolState::Failed: return "failed";
    case PoolState::Stopped: return "stopped";
    }
    return "unknown";
}

std::optional<PoolState> parsePoolState(std::string_view name) noexcept
{
    for (PoolState state : {PoolState::Running, PoolState::Draining, PoolState::Failed, PoolState::Stopped})
        if (nameOf(state) == name)
            return state;
    return std::nullopt;
}

} // namespace poolscope
