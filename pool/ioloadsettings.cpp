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

bool isIoSetting(Setting setting) noexcept
{
    switch (setting) {
    case Setting::IoConnections:
    case Setting::IoMessageSize:
    case Setting::IoRate:
    case Setting::IoThinkTime:
    case Setting::IoCost:
    case Setting::IoReads:
    case Setting::IoBlockSize:
        return true;
    default:
        return false;
    }
}

double ioOptionValue(const IoLoadSettings &io, Setting setting) noexcept
{
    switch (setting) {
    case Setting::IoConnections: return io.echo ? io.connections : 0;
    case Setting::IoMessageSize: return io.messageBytes;
    case Setting::IoRate: return io.messagesPerSecond;
    case Setting::IoThinkTime: return static_cast<double>(io.thinkTime.count());
    case Setting::IoCost: return static_cast<double>(io.costPerMessage.count());
    case Setting::IoReads: return io.fileReads ? io.readsOutstanding : 0;
    case Setting::IoBlockSize: return io.blockBytes;
    default: return 0;
    }
}

// Each value in its option range (the caller checked), so every cast is defined.
void setIoOption(IoLoadSettings &io, Setting setting, double value) noexcept
{
    switch (setting) {
    case Setting::IoConnections:
        io.echo = value >= 1;
        io.connections = io.echo ? static_cast<unsigned>(value) : io.connections;
        break;
    case Setting::IoMessageSize: io.messageBytes = static_cast<std::uint32_t>(value); break;
    case Setting::IoRate: io.messagesPerSecond = value; break;
    case Setting::IoThinkTime: io.thinkTime = std::chrono::microseconds(static_cast<long long>(value)); break;
    case Setting::IoCost: io.costPerMessage = std::chrono::microseconds(static_cast<long long>(value)); break;
    case Setting::IoReads:
        io.fileReads = value >= 1;
        io.readsOutstanding = io.fileReads ? static_cast<unsigned>(value) : io.readsOutstanding;
        break;
    case Setting::IoBlockSize: io.blockBytes = static_cast<std::uint32_t>(value); break;
    default: break;
    }
}

} // namespace poolscope
