#pragma once
// One way to write a number with its unit, for every place the app shows one: the charts'
// axes and hover readouts, the key tiles, the counters panel. So that "9050 /s" never
// stands next to "20.0 k/s", nor "10^8 µs" next to "12 ms".
//
//   count(950) "950"   count(9050) "9.05 k"   count(2.5e6) "2.50 M"   (3 significant digits)
//   exactCount(1234567) "1,234,567"          (the locale's grouping; for exact counters)
//   rate(20000) "20.0 k/s"
//   durationNs(850) "850 ns"   durationNs(12'300) "12.3 µs"   durationNs(4.56e6) "4.56 ms"
//   durationSeconds(95) "1 min 35 s"
//   threads(2.43) "2.4"   threads(3) "3"    percent(57.25) "57 %"
//   runTime(90) "1m30s", runTime(3725) "1h02m05s"   (time since the run started: never a clock)
//   wallClock(unixMs) "10:42:13.250"
//
// Pure functions of their arguments (and the locale). Thread-safe.

#include <QString>

#include <cstdint>

namespace unitformat {

QString count(double value);                 // compact: k, M, G from 1000 on
QString exactCount(std::uint64_t value);     // every digit, grouped
QString rate(double perSecond);              // count() + "/s"
QString durationNs(double nanoseconds);      // ns, µs, ms, s, min: 3 significant digits
QString durationSeconds(double seconds);
QString threads(double average);             // one decimal, none for whole numbers
QString percent(double value);               // whole percent
QString runTime(double seconds);             // time since the run started, e.g. "1m30s"
QString wallClock(std::int64_t unixMs);      // local time of day with milliseconds

} // namespace unitformat
