#include "loadsettings.h"

#include "settingranges.h"

#include <array>
#include <utility>

namespace poolscope {

namespace {

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
    // The ranges are settingranges.h's; the order is the order the errors are reported in.
    const std::pair<Setting, double> values[] = {
        {Setting::Producers, producers},
        {Setting::Rate, ratePerSecond},
        {Setting::BurstSize, burstSize},
        {Setting::BurstInterval, static_cast<double>(burstInterval.count())},
        {Setting::Period, static_cast<double>(period.count())},
        {Setting::MeanCost, static_cast<double>(meanCost.count())},
        {Setting::BlockingShare, blockingShare},
        {Setting::BlockingTime, static_cast<double>(blockingTime.count())},
        {Setting::ExceptionProbability, exceptionProbability},
        {Setting::QueueCap, static_cast<double>(queueCap)},
    };
    if (std::string error = firstOutOfRange(values); !error.empty())
        return error;
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
