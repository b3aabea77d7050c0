#include "ioloadsettings.h"

#include "settingranges.h"

#include <utility>

namespace poolscope {

std::string IoLoadSettings::validate() const
{
    // The ranges are settingranges.h's; the order is the order the errors are reported in.
    const std::pair<Setting, double> values[] = {
        {Setting::IoConnections, connections},
        {Setting::IoMessageSize, messageBytes},
        {Setting::IoRate, messagesPerSecond},
        {Setting::IoThinkTime, static_cast<double>(thinkTime.count())},
        {Setting::IoCost, static_cast<double>(costPerMessage.count())},
        {Setting::IoBlockSize, blockBytes},
        {Setting::IoReads, readsOutstanding},
    };
    return firstOutOfRange(values);
}

} // namespace poolscope
