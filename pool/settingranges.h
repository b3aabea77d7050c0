#pragma once
// The one table of what each setting accepts. Read by
//   SessionSettings::validate() and LoadSettings::validate()   (pool/: the check that counts)
//   the sliders and spin boxes                                 (ui/controlpanel.cpp)
//   --help and the errors of the command line and scenarios   (app/headlessoptions.cpp)
//   the settings file                                          (ui/settingsstore.cpp)
//   the sampler's rate check                                   (pool/sampler.cpp)
// so a range is written once. To change one, change its row in settingranges.cpp; to add a
// setting, add a Setting, a row, and read rangeOf(Setting::X) where the value is used.
//
// Thread-safety: the table is immutable; every function here is a pure function. Thread-safe.

#include <cstddef>
#include <cstdint>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace poolscope {

enum class Setting : std::uint8_t {
    Workers,
    Concurrency,
    Producers,
    Rate,
    BurstSize,
    BurstInterval,
    Period,
    MeanCost,
    BlockingShare,
    BlockingTime,
    ExceptionProbability,
    QueueCap,
    SampleRate, // the sampler's rate (GUI and headless)
    Duration,   // a headless run's length
    History,    // the seconds of history a headless export keeps; 0 = all
    SweepWarmUp, // a headless sweep: seconds each point runs before it is measured
    SweepPeriod, // seconds each sweep point is measured
    WaitTarget,  // the sweep knee's queue wait p99 target, ms
    // The I/O load (IoLoadSettings)
    IoConnections,
    IoMessageSize,
    IoRate,
    IoThinkTime,
    IoCost,
    IoReads,
    IoBlockSize,
};

// How many Settings there are (the last one's index + 1): the table has a row for each.
inline constexpr std::size_t SettingCount = static_cast<std::size_t>(Setting::IoBlockSize) + 1;

// A bound or a default as the messages write it: whole numbers without a fraction ("10000000",
// not "1e+07"), others as short as they are exact ("0.1"). Thread-safe.
std::string numberText(double value);

struct SettingRange {
    Setting setting;
    std::string_view name;   // in messages: "burst interval"
    std::string_view option; // the command-line option and scenario key: "burst-interval"
    std::string_view unit;   // "ms", "us", "units/s"; empty for a plain count or a fraction
    double low, high;        // inclusive
    double sliderHigh;       // where a slider ends (a spin box beside it goes on to `high`)
    std::string_view help;   // --help's text, before the range: "Time between bursts"
    // What 0 means when it is a value of its own ("as fast as possible"): said in --help and,
    // when 0 is in range, in validate()'s sentence.
    std::string_view zeroMeans = {};
    // The command line's and scenario's 0 turns this part of the load off (IoLoadSettings'
    // echo / fileReads); when on, the value is low..high.
    bool zeroTurnsOff = false;

    bool contains(double value) const noexcept; // finite and in low..high
    bool optionAccepts(double value) const noexcept; // contains(), or 0 when zeroTurnsOff
    std::string bounds() const;                  // "1..60000"
    std::string optionBounds() const;            // what optionAccepts(): "0..256" for 1..256 with zeroTurnsOff
    std::string boundsWithUnit() const;          // "1..60000 ms"

    // "burst interval must be 1..60000 ms (got 0)": validate()'s sentence; with zeroMeans and 0 in
    // range: "I/O message rate must be 0..1000000 messages/s (0 = as fast as possible) (got -1)".
    template <typename T>
    std::string outOfRange(T value) const
    {
        if constexpr (std::is_floating_point_v<T>) // validate() passes counts as doubles: "2000000", not "2e+06"
            return outOfRangeText(numberText(static_cast<double>(value)));
        std::ostringstream got;
        got << value;
        return outOfRangeText(got.str());
    }
    std::string outOfRangeText(std::string_view got) const;
};

// The row of `setting`. Thread-safe.
const SettingRange &rangeOf(Setting setting) noexcept;

// Every row, in Setting's order. Thread-safe.
std::span<const SettingRange> settingRanges() noexcept;

// A validate()'s range check: the sentence for the first value outside its setting's row, in
// the order given (the order errors are reported in), or empty when every value is in range.
// Thread-safe.
std::string firstOutOfRange(std::span<const std::pair<Setting, double>> values);


} // namespace poolscope
