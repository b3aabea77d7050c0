#include "loadsettings.h"
#include "rangemessage.h"

#include <array>
#include <cmath>

namespace poolscope {

namespace {

bool within(double value, double low, double high) { return std::isfinite(value) && value >= low && value <= high; }

constexpr std::array<std::string_view, 5> PatternNames{"steady", "bursts", "ramp", "sine", "as-fast-as-possible"};
constexpr std::array<std::string_view, 3> DistributionNames{"constant", "uniform", "exponential"};
constexpr std::array<std::string_view, 4> ThrownNames{"runtime-error", "custom-exception", "non-std-class", "int"};

template <typename Enum, std::size_t N>
std::optional<Enum> parse(const std::array<std::string_view, N> &names, std::string_view name) noexcept
{
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == name)
            return static_cast<Enum>(i);
    return std::nullopt;
}

} // namespace

std::string LoadSettings::validate() const
{
    if (producers < 1 || producers > 8)
        return outOfRange("producers", "1..8", producers);
    if (!within(ratePerSecond, 1, MaxRate))
        return outOfRange("rate", "1..10000000 units/s", ratePerSecond);
    if (burstSize < 1 || burstSize > 1'000'000)
        return outOfRange("burst size", "1..1000000 units", burstSize);
    if (burstInterval.count() < 1 || burstInterval.count() > 60'000)
        return outOfRange("burst interval", "1..60000 ms", burstInterval.count());
    if (period.count() < 100 || period.count() > 600'000)
        return outOfRange("period", "100..600000 ms", period.count());
    if (meanCost.count() < 0 || meanCost.count() > 100'000)
        return outOfRange("unit cost", "0..100000 us", meanCost.count());
    if (!within(blockingShare, 0, 1))
        return outOfRange("blocking share", "0..1", blockingShare);
    if (blockingTime.count() < 0 || blockingTime.count() > 10'000'000)
        return outOfRange("blocking time", "0..10000000 us", blockingTime.count());
    if (!within(exceptionProbability, 0, 1))
        return outOfRange("exception probability", "0..1", exceptionProbability);
    if (queueCap < 1 || queueCap > MaxQueueCap)
        return outOfRange("queue cap", "1..10000000 units", queueCap);
    if (static_cast<unsigned>(pattern) >= PatternNames.size())
        return "pattern is not one of steady, bursts, ramp, sine, as-fast-as-possible";
    if (static_cast<unsigned>(costDistribution) >= DistributionNames.size())
        return "cost distribution is not one of constant, uniform, exponential";
    if (static_cast<unsigned>(exceptionType) >= ThrownNames.size())
        return "exception type is not one of runtime-error, custom-exception, non-std-class, int";
    return {};
}

std::string_view nameOf(LoadPattern pattern) noexcept { return PatternNames.at(static_cast<std::size_t>(pattern)); }
std::string_view nameOf(CostDistribution distribution) noexcept
{
    return DistributionNames.at(static_cast<std::size_t>(distribution));
}
std::string_view nameOf(ThrownType type) noexcept { return ThrownNames.at(static_cast<std::size_t>(type)); }

std::optional<LoadPattern> parseLoadPattern(std::string_view name) noexcept
{
    return parse<LoadPattern>(PatternNames, name);
}
std::optional<CostDistribution> parseCostDistribution(std::string_view name) noexcept
{
    return parse<CostDistribution>(DistributionNames, name);
}
std::optional<ThrownType> parseThrownType(std::string_view name) noexcept
{
    return parse<ThrownType>(ThrownNames, name);
}

} // namespace poolscope
