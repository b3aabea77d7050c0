#include "ioloadsettings.h"
#include "rangemessage.h"

#include <cmath>

namespace poolscope {

std::string IoLoadSettings::validate() const
{
    if (connections < 1 || connections > 256)
        return outOfRange("I/O connections", "1..256", connections);
    if (messageBytes < 1 || messageBytes > (1u << 20))
        return outOfRange("I/O message size", "1..1048576 bytes", messageBytes);
    if (!std::isfinite(messagesPerSecond) || messagesPerSecond < 0 || messagesPerSecond > 1'000'000)
        return outOfRange("I/O message rate", "0..1000000 messages/s (0 = as fast as possible)", messagesPerSecond);
    if (thinkTime.count() < 0 || thinkTime.count() > 10'000'000)
        return outOfRange("I/O think time", "0..10000000 us", thinkTime.count());
    if (costPerMessage.count() < 0 || costPerMessage.count() > 100'000)
        return outOfRange("I/O cost per message", "0..100000 us", costPerMessage.count());
    if (blockBytes < 512 || blockBytes > (1u << 20))
        return outOfRange("I/O block size", "512..1048576 bytes", blockBytes);
    if (readsOutstanding < 1 || readsOutstanding > 256)
        return outOfRange("I/O reads outstanding", "1..256", readsOutstanding);
    return {};
}

} // namespace poolscope
