#include "sessionsettings.h"

#include "settingranges.h"

namespace poolscope {

std::string SessionSettings::validate() const
{
    if (!rangeOf(Setting::Workers).contains(workers))
        return rangeOf(Setting::Workers).outOfRange(workers);
    if (!rangeOf(Setting::Concurrency).contains(concurrency))
        return rangeOf(Setting::Concurrency).outOfRange(concurrency);
    if (static_cast<unsigned>(policy) > static_cast<unsigned>(ExceptionPolicy::FailFast))
        return "policy is not one of log-and-continue, retire-worker, fail-fast";
    if (std::string error = load.validate(); !error.empty())
        return error;
    return io.validate();
}

} // namespace poolscope
