#pragma once
// What the load generator offers the pool. A plain value shared by the GUI controls, the
// command line and scenario files; validate() is the one place its ranges are checked.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace poolscope {

enum class LoadPattern : std::uint8_t {
    Steady,           // ratePerSecond, evenly
    Bursts,           // burstSize units every burstInterval
    Ramp,             // 0 -> ratePerSecond over period, then again (a sawtooth)
    Sine,             // between 0 and ratePerSecond, one cycle per period
    AsFastAsPossible, // no pacing; only the queue cap holds producers back
};

enum class CostDistribution : std::uint8_t { Constant, Uniform, Exponential };

enum class ThrownType : std::uint8_t {
    RuntimeError,    // std::runtime_error
    CustomException, // poolscope::SimulatedError, a std::exception subclass
    NonStdClass,     // poolscope::SimulatedFault, not derived from std::exception
    Int,             // a plain int
};

struct LoadSettings {
    // Ranges: settingranges.h (rangeOf(Setting::Rate) ...), checked by validate().
    unsigned producers = 1; // threads
    LoadPattern pattern = LoadPattern::Steady;
    double ratePerSecond = 2000;                        // units/s (peak for ramp and sine)
    unsigned burstSize = 1000;                          // units
    std::chrono::milliseconds burstInterval{50};
    std::chrono::milliseconds period{10'000};           // ramp and sine
    CostDistribution costDistribution = CostDistribution::Exponential;
    std::chrono::microseconds meanCost{200};            // CPU spin per unit (the maximum for uniform: 2x mean)
    double blockingShare = 0.0;                         // share of the non-throwing units that block
    std::chrono::microseconds blockingTime{2000};       // inside a BlockingScope
    double exceptionProbability = 0.0;
    ThrownType exceptionType = ThrownType::RuntimeError;
    std::uint64_t queueCap = 1'000'000;                 // queued units

    // Empty when every field is in range; otherwise one sentence naming the first bad field
    // and its accepted range, e.g. "producers must be 1..8 (got 9)". NaN is out of every
    // range. Thread-safe (a const read of a value).
    std::string validate() const;

    friend bool operator==(const LoadSettings &, const LoadSettings &) = default;
};

// Stable lower-case names ("as-fast-as-possible", "exponential", "runtime-error") for the
// command line, scenario files and exports. Thread-safe.
std::string_view nameOf(LoadPattern pattern) noexcept;
std::string_view nameOf(CostDistribution distribution) noexcept;
std::string_view nameOf(ThrownType type) noexcept;
// Inverse of nameOf() (exact, case-sensitive); std::nullopt for an unknown name. Thread-safe.
std::optional<LoadPattern> parseLoadPattern(std::string_view name) noexcept;
std::optional<CostDistribution> parseCostDistribution(std::string_view name) noexcept;
std::optional<ThrownType> parseThrownType(std::string_view name) noexcept;

} // namespace poolscope
