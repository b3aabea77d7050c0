#include "settingranges.h"

#include "workerpool.h"

#include <cmath>
#include <iomanip>

namespace poolscope {

namespace {

using S = Setting;

// setting, name, option, unit, low, high, sliderHigh, help
constexpr SettingRange Ranges[] = {
    // Workers and concurrency: the slider covers the useful part (256 workers, 64 running);
    // the spin box beside it takes every count the pool can hold.
    {S::Workers, "workers", "workers", "", 0, WorkerPool::MaxWorkers, 256, "Worker threads"},
    {S::Concurrency, "concurrency", "concurrency", "", 0, WorkerPool::MaxWorkers, 64,
     "Threads that may run units at once, 0 = processors"},
    {S::Producers, "producers", "producers", "", 1, 8, 8, "Producer threads"},
    {S::Rate, "rate", "rate", "units/s", 1, 10'000'000, 10'000'000, "Units posted per second, the peak for ramp and sine"},
    {S::BurstSize, "burst size", "burst-size", "units", 1, 1'000'000, 1'000'000, "Units per burst"},
    {S::BurstInterval, "burst interval", "burst-interval", "ms", 1, 60'000, 60'000, "Time between bursts"},
    {S::Period, "period", "period", "ms", 100, 600'000, 600'000, "Period of the ramp and the sine"},
    {S::MeanCost, "unit cost", "cost", "us", 0, 100'000, 100'000, "Mean CPU time a unit spins"},
    {S::BlockingShare, "blocking share", "blocking-share", "", 0, 1, 1, "Share of units that block"},
    {S::BlockingTime, "blocking time", "blocking-time", "us", 0, 10'000'000, 10'000'000, "Time a blocking unit blocks"},
    {S::ExceptionProbability, "exception probability", "exception-probability", "", 0, 1, 1,
     "Probability that a unit throws"},
    {S::QueueCap, "queue cap", "queue-cap", "units", 1, 10'000'000, 10'000'000, "Queued units at which producers wait"},
    {S::SampleRate, "sample rate", "sample-rate", "Hz", 1, 100, 100, "Samples per second"},
    {S::Duration, "duration", "duration", "s", 0.1, 86'400, 86'400, "Time to run"},
    {S::History, "history", "history", "s", 0, 86'400, 86'400,
     "Newest history in the JSON and CSV exports, 0 = all"},
    {S::SweepWarmUp, "sweep warm-up", "sweep-warmup", "s", 0, 3600, 3600, "Time each sweep point runs before it is measured"},
    {S::SweepPeriod, "sweep period", "sweep-period", "s", 0.1, 3600, 3600, "Time each sweep point is measured"},
    {S::WaitTarget, "queue wait target", "wait-target", "ms", 0.001, 3'600'000, 3'600'000, "The sweep knee's queue wait p99 target"},
    {S::IoConnections, "I/O connections", "io-connections", "", 1, 256, 256,
     "Echo load: client connections to a loopback echo server on the pool's port", "no echo load", true},
    {S::IoMessageSize, "I/O message size", "io-message-size", "bytes", 1, 1 << 20, 1 << 20, "Echo load: bytes per message"},
    {S::IoRate, "I/O message rate", "io-rate", "messages/s", 0, 1'000'000, 1'000'000,
     "Echo load: messages per second over all connections", "as fast as possible"},
    {S::IoThinkTime, "I/O think time", "io-think-time", "us", 0, 10'000'000, 10'000'000,
     "Echo load: time a client waits after each echo"},
    {S::IoCost, "I/O cost per message", "io-cost", "us", 0, 100'000, 100'000, "Echo load: server CPU time per message"},
    {S::IoReads, "I/O reads outstanding", "io-reads", "", 1, 256, 256,
     "File load: reads kept outstanding on a scratch file", "no file reads", true},
    {S::IoBlockSize, "I/O block size", "io-block-size", "bytes", 512, 1 << 20, 1 << 20, "File load: bytes per read"},
};

constexpr bool rowsInSettingOrder()
{
    for (std::size_t i = 0; i < std::size(Ranges); ++i)
        if (static_cast<std::size_t>(Ranges[i].setting) != i || Ranges[i].low > Ranges[i].high ||
            Ranges[i].sliderHigh > Ranges[i].high)
            return false;
    return true;
}
static_assert(rowsInSettingOrder(), "one row per Setting, in its order, low <= sliderHigh <= high");
static_assert(std::size(Ranges) == SettingCount, "a row for every Setting");

} // namespace

const SettingRange &rangeOf(Setting setting) noexcept { return Ranges[static_cast<std::size_t>(setting)]; }

std::span<const SettingRange> settingRanges() noexcept { return Ranges; }

bool SettingRange::contains(double value) const noexcept { return std::isfinite(value) && value >= low && value <= high; }

bool SettingRange::optionAccepts(double value) const noexcept { return contains(value) || (zeroTurnsOff && value == 0); }

std::string SettingRange::bounds() const { return numberText(low) + ".." + numberText(high); }

std::string SettingRange::optionBounds() const
{
    if (!zeroTurnsOff || low <= 0)
        return bounds();
    return low <= 1 ? "0.." + numberText(high) : "0 or " + bounds();
}

std::string SettingRange::boundsWithUnit() const { return unit.empty() ? bounds() : bounds() + ' ' + std::string(unit); }

std::string SettingRange::outOfRangeText(std::string_view got) const
{
    const std::string zero = !zeroMeans.empty() && low <= 0 ? " (0 = " + std::string(zeroMeans) + ")" : std::string();
    return std::string(name) + " must be " + boundsWithUnit() + zero + " (got " + std::string(got) + ")";
}

std::string numberText(double value)
{
    std::ostringstream text;
    if (std::isfinite(value) && value == std::trunc(value) && std::fabs(value) < 1e18)
        text << static_cast<long long>(value);
    else
        text << std::setprecision(15) << value;
    return text.str();
}

std::string firstOutOfRange(std::span<const std::pair<Setting, double>> values)
{
    for (const auto &[setting, value] : values)
        if (!rangeOf(setting).contains(value))
            return rangeOf(setting).outOfRange(value);
    return {};
}

} // namespace poolscope
