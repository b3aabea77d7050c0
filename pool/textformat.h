#pragma once
// Numbers for people, in the few words the pool's own messages use (the knee's explanation,
// auto-size reasons, alert messages): "41.2k/s", "3.1 ms", "10,000". Qt-free, so that the headless mode and the
// exports write the same text as the window. Pure functions: thread-safe.

#include <cstdint>
#include <string>

namespace poolscope {

std::string formatRate(double perSecond);         // "950/s", "41.2k/s", "1.25M/s"
std::string formatNanoseconds(double nanoseconds); // "850 ns", "12.5 µs", "3.10 ms", "1.50 s"
std::string formatCount(double value);            // "10,000"; "2.5" when not whole

} // namespace poolscope
