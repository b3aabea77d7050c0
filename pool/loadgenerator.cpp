#include "loadgenerator.h"

#include "fastclock.h"
#include "workerpool.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <numbers>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

namespace poolscope {

std::string_view nameOf(LoadState state) noexcept
{
    switch (state) {
    case LoadState::Stopped: return "stopped";
    case LoadState::Running: return "running";
    case LoadState::Paused: return "paused";
    }
    return "unknown";
}

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto Tick = std::chrono::milliseconds(1);
// Units a producer posts between two looks at the queue: large enough that the look (a pool
// snapshot) and the lock cost little per unit, small enough that stop() and the cap answer
// within a fraction of a millisecond. The cap may be overshot by one batch per producer.
constexpr std::uint64_t MaxBatch = 4096;

// What one generated unit does, packed into 64 bits so that the function-pointer and notify
// kinds carry it in their context/tag without an allocation:
// bits 0-1 behaviour, bits 2-3 exception type, bits 4.. CPU cost in nanoseconds
// (function kind) or microseconds (notify kind, whose tag is an int).
enum Behaviour : std::uint64_t { Spin = 0, Block = 1, Throw = 2 };

struct UnitSpec {
    Behaviour behaviour = Spin;
    ThrownType thrown = ThrownType::RuntimeError;
    std::uint64_t costNs = 0;
    std::uint64_t blockNs = 0;
};

void spinFor(std::uint64_t nanoseconds)
{
    if (nanoseconds == 0)
        return;
    const std::uint64_t until = FastClock::now() + nanoseconds;
    while (FastClock::now() < until) {
    }
}

[[noreturn]] void throwAs(ThrownType type)
{
    switch (type) {
    case ThrownType::RuntimeError: throw std::runtime_error("simulated failure (std::runtime_error)");
    case ThrownType::CustomException: throw SimulatedError();
    case ThrownType::NonStdClass: throw SimulatedFault{};
    case ThrownType::Int: throw 42;
    }
    throw 42;
}

void runUnit(const UnitSpec &spec)
{
    spinFor(spec.costNs);
    if (spec.behaviour == Block) {
        BlockingScope blocked; // a synchronous call: the port may run another unit meanwhile
        std::this_thread::sleep_for(std::chrono::nanoseconds(spec.blockNs));
    } else if (spec.behaviour == Throw) {
        throwAs(spec.thrown);
    }
}

std::uintptr_t packForFunction(const UnitSpec &spec)
{
    return static_cast<std::uintptr_t>(spec.behaviour | (static_cast<std::uint64_t>(spec.thrown) << 2) |
                                       (std::min<std::uint64_t>(spec.costNs, 100'000'000) << 4));
}

// Blocking units go as callables (they carry a second duration); these two kinds carry the rest.
void functionUnit(void *context)
{
    const auto packed = reinterpret_cast<std::uintptr_t>(context);
    runUnit({static_cast<Behaviour>(packed & 3), static_cast<ThrownType>((packed >> 2) & 3), packed >> 4, 0});
}

class NotifyUnit final : public NotifyTarget {
public:
    void notify(void *, int tag) override
    {
        const auto packed = static_cast<std::uint64_t>(static_cast<std::uint32_t>(tag));
        runUnit({static_cast<Behaviour>(packed & 3), static_cast<ThrownType>((packed >> 2) & 3),
                 (packed >> 4) * 1000, 0});
    }
};
NotifyUnit g_notifyUnit; // stateless and static: queued units may outlive any generator

const char *tagOf(Behaviour behaviour)
{
    switch (behaviour) {
    case Spin: return "cpu";
    case Block: return "blocking";
    case Throw: return "throwing";
    }
    return "cpu";
}

} // namespace

class LoadGenerator::Impl {
public:
    explicit Impl(WorkerPool *pool) : m_pool(pool) {}
    ~Impl() { stop(); }

    void setPool(WorkerPool *pool)
    {
        if (state() != LoadState::Stopped)
            throw std::logic_error("stop the load generator before giving it another pool");
        m_pool = pool;
    }

    void applySettings(const LoadSettings &settings)
    {
        if (const std::string error = settings.validate(); !error.empty())
            throw std::invalid_argument(error);
        const bool restartProducers = settings.producers != m_settings.producers && state() != LoadState::Stopped;
        const LoadState previous = state();
        if (restartProducers)
            stop();
        {
            std::lock_guard lock(m_mutex);
            m_settings = settings;
            m_epoch = Clock::now(); // patterns start over with new settings
            ++m_settingsVersion;
        }
        m_changed.notify_all();
        if (restartProducers) {
            start();
            if (previous == LoadState::Paused)
                pause();
        }
    }

    LoadSettings settings() const
    {
        std::lock_guard lock(m_mutex);
        return m_settings;
    }

    void start()
    {
        if (m_pool == nullptr)
            throw std::logic_error("the load generator has no pool to load");
        if (state() == LoadState::Paused) {
            resume();
            return;
        }
        if (state() == LoadState::Running)
            return;
        FastClock::calibrate();
        unsigned producers = 0;
        {
            std::lock_guard lock(m_mutex);
            m_stopping = false;
            m_paused = false;
            m_epoch = Clock::now();
            producers = m_settings.producers;
        }
        m_state.store(LoadState::Running, std::memory_order_release);
        for (unsigned index = 0; index < producers; ++index)
            m_producers.emplace_back([this, index, producers] { producerMain(index, producers); });
    }

    void pause()
    {
        if (state() != LoadState::Running)
            return;
        {
            // A producer posts its batch without the lock: wait for the batches in flight (a
            // few microseconds of posts each), so that nothing is posted once pause() returns.
            std::unique_lock lock(m_mutex);
            m_paused = true;
            m_batchDone.wait(lock, [this] { return m_producersPosting == 0; });
        }
        m_state.store(LoadState::Paused, std::memory_order_release);
        m_offeredRate.store(0, std::memory_order_relaxed);
    }

    void resume()
    {
        if (state() != LoadState::Paused)
            return;
        {
            std::lock_guard lock(m_mutex);
            m_paused = false;
            m_epoch = Clock::now(); // no catching up on the units a pause skipped
            ++m_settingsVersion;
        }
        m_state.store(LoadState::Running, std::memory_order_release);
        m_changed.notify_all();
    }

    void stop()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_changed.notify_all();
        for (std::thread &producer : m_producers)
            producer.join();
        m_producers.clear();
        m_state.store(LoadState::Stopped, std::memory_order_release);
        m_offeredRate.store(0, std::memory_order_relaxed);
        m_atCap.store(false, std::memory_order_relaxed);
    }

    LoadState state() const noexcept { return m_state.load(std::memory_order_acquire); }

    LoadStats stats() const noexcept
    {
        LoadStats s;
        s.posted = m_posted.load(std::memory_order_relaxed);
        s.refused = m_refused.load(std::memory_order_relaxed);
        s.throttledNs = m_throttledNs.load(std::memory_order_relaxed);
        s.offeredRatePerSecond = m_offeredRate.load(std::memory_order_relaxed);
        s.atQueueCap = m_atCap.load(std::memory_order_relaxed);
        return s;
    }

private:
    // Rate the pattern asks for at `seconds` since the epoch (units/s, all producers together).
    static double rateAt(const LoadSettings &settings, double seconds)
    {
        const double period = std::chrono::duration<double>(settings.period).count();
        switch (settings.pattern) {
        case LoadPattern::Steady: return settings.ratePerSecond;
        case LoadPattern::Ramp: return settings.ratePerSecond * std::fmod(seconds, period) / period;
        case LoadPattern::Sine:
            return settings.ratePerSecond * (0.5 - 0.5 * std::cos(2 * std::numbers::pi * seconds / period));
        case LoadPattern::Bursts:
            return settings.burstSize / std::chrono::duration<double>(settings.burstInterval).count();
        case LoadPattern::AsFastAsPossible: return 0;
        }
        return 0;
    }

    UnitSpec drawUnit(const LoadSettings &settings, std::mt19937_64 &random) const
    {
        UnitSpec spec;
        const double mean = static_cast<double>(std::chrono::nanoseconds(settings.meanCost).count());
        switch (settings.costDistribution) {
        case CostDistribution::Constant: spec.costNs = static_cast<std::uint64_t>(mean); break;
        case CostDistribution::Uniform:
            spec.costNs = static_cast<std::uint64_t>(std::uniform_real_distribution<double>(0, 2 * mean)(random));
            break;
        case CostDistribution::Exponential:
            spec.costNs = mean > 0 ? static_cast<std::uint64_t>(std::exponential_distribution<double>(1 / mean)(random)) : 0;
            break;
        }
        spec.costNs = std::min<std::uint64_t>(spec.costNs, 100'000'000);
        std::uniform_real_distribution<double> unit(0, 1);
        if (settings.exceptionProbability > 0 && unit(random) < settings.exceptionProbability) {
            spec.behaviour = Throw;
            spec.thrown = settings.exceptionType;
        } else if (settings.blockingShare > 0 && unit(random) < settings.blockingShare) {
            spec.behaviour = Block;
            spec.blockNs = static_cast<std::uint64_t>(std::chrono::nanoseconds(settings.blockingTime).count());
        }
        return spec;
    }

    bool postUnit(const UnitSpec &spec, std::uint64_t sequence)
    {
        const char *tag = tagOf(spec.behaviour);
        std::uint64_t id = 0;
        // Rotate through the three kinds; blocking units carry two durations, so they stay callables.
        const std::uint64_t kind = spec.behaviour == Block ? 0 : sequence % 3;
        if (kind == 0) {
            id = m_pool->post([spec] { runUnit(spec); }, tag);
        } else if (kind == 1) {
            id = m_pool->post(&functionUnit, reinterpret_cast<void *>(packForFunction(spec)), tag);
        } else {
            const std::uint64_t micros = std::min<std::uint64_t>(spec.costNs / 1000, (1u << 27) - 1);
            const auto packed = static_cast<std::uint32_t>(spec.behaviour | (static_cast<std::uint64_t>(spec.thrown) << 2) |
                                                           (micros << 4));
            id = m_pool->post(g_notifyUnit, nullptr, static_cast<int>(packed), tag);
        }
        return id != 0;
    }

    // How many units the pool may still take before the cap; waits (counting the time) while
    // it is full. Returns 0 when told to stop or pause meanwhile.
    std::uint64_t roomUnderCap(std::unique_lock<std::mutex> &lock, std::uint64_t cap)
    {
        while (!m_stopping && !m_paused) {
            const std::uint64_t queued = m_pool->snapshot().queued;
            if (queued < cap) {
                m_atCap.store(false, std::memory_order_relaxed);
                return cap - queued;
            }
            m_atCap.store(true, std::memory_order_relaxed);
            const auto waitStart = Clock::now();
            m_changed.wait_for(lock, Tick);
            m_throttledNs.fetch_add(
                static_cast<std::uint64_t>(std::chrono::nanoseconds(Clock::now() - waitStart).count()),
                std::memory_order_relaxed);
        }
        return 0;
    }

    void producerMain(unsigned index, unsigned producers)
    {
        std::mt19937_64 random(0x9e3779b97f4a7c15ull * (index + 1));
        std::uint64_t sequence = index;
        double owed = 0;             // units this producer should have posted by now, not yet posted
        std::uint64_t version = ~0ull;
        auto lastTick = Clock::now();
        std::uint64_t lastBurst = 0; // index of the last burst this producer posted
        bool refusedLast = false;    // the pool refused this producer's last post

        std::unique_lock lock(m_mutex);
        while (!m_stopping) {
            if (m_paused) {
                m_changed.wait(lock, [this] { return m_stopping || !m_paused; });
                continue;
            }
            const LoadSettings settings = m_settings;
            if (version != m_settingsVersion) {
                version = m_settingsVersion;
                owed = 0;
                lastTick = Clock::now();
                lastBurst = 0;
            }
            const auto now = Clock::now();
            const double sinceEpoch = std::chrono::duration<double>(now - m_epoch).count();
            const double elapsed = std::chrono::duration<double>(now - lastTick).count();
            lastTick = now;

            std::uint64_t due = 0;
            if (settings.pattern == LoadPattern::AsFastAsPossible) {
                due = MaxBatch;
            } else if (settings.pattern == LoadPattern::Bursts) {
                const auto burst = static_cast<std::uint64_t>(
                    sinceEpoch / std::chrono::duration<double>(settings.burstInterval).count()) + 1;
                if (burst != lastBurst) {
                    lastBurst = burst;
                    // Split the burst between producers; producer 0 takes the remainder.
                    due = settings.burstSize / producers + (index == 0 ? settings.burstSize % producers : 0);
                }
            } else {
                const double rate = rateAt(settings, sinceEpoch);
                if (index == 0)
                    m_offeredRate.store(rate, std::memory_order_relaxed);
                owed += rate / producers * std::min(elapsed, 0.1); // a stall is not made up for
                due = static_cast<std::uint64_t>(owed);
                owed -= static_cast<double>(due);
            }
            if (index == 0 && settings.pattern != LoadPattern::Steady && settings.pattern != LoadPattern::Ramp &&
                settings.pattern != LoadPattern::Sine)
                m_offeredRate.store(settings.pattern == LoadPattern::Bursts ? rateAt(settings, 0) : 0,
                                    std::memory_order_relaxed);

            while (due > 0 && !m_stopping && !m_paused && version == m_settingsVersion) {
                const std::uint64_t room = roomUnderCap(lock, settings.queueCap);
                if (room == 0)
                    break;
                // After a refusal, probe with one unit rather than have a batch refused.
                const std::uint64_t batch = refusedLast ? 1 : std::min<std::uint64_t>({due, room, MaxBatch});
                ++m_producersPosting;
                lock.unlock(); // post without holding the generator's lock: controls stay responsive
                std::uint64_t accepted = 0, refused = 0;
                for (std::uint64_t i = 0; i < batch && refused == 0; ++i) {
                    // One refusal means the pool stopped accepting (shut down, failed fast):
                    // the rest of the batch would be refused too.
                    if (postUnit(drawUnit(settings, random), sequence))
                        ++accepted;
                    else
                        ++refused;
                    sequence += producers;
                }
                m_posted.fetch_add(accepted, std::memory_order_relaxed);
                m_refused.fetch_add(refused, std::memory_order_relaxed);
                lock.lock();
                if (--m_producersPosting == 0)
                    m_batchDone.notify_all();
                due -= accepted + refused;
                refusedLast = refused > 0; // no use retrying at once: probe once per tick
                if (refusedLast)
                    break;
            }
            // As fast as possible goes straight on, unless the pool refuses: a stopped pool
            // must not cost a core spinning on refused posts.
            if (settings.pattern != LoadPattern::AsFastAsPossible || refusedLast)
                m_changed.wait_for(lock, Tick);
        }
    }

    WorkerPool *m_pool;
    mutable std::mutex m_mutex; // guards the settings and the run flags below
    std::condition_variable m_changed;
    std::condition_variable m_batchDone; // m_producersPosting fell to 0
    unsigned m_producersPosting = 0;     // producers posting a batch without the lock
    LoadSettings m_settings;
    Clock::time_point m_epoch = Clock::now();
    std::uint64_t m_settingsVersion = 0;
    bool m_stopping = false;
    bool m_paused = false;
    std::vector<std::thread> m_producers;

    std::atomic<LoadState> m_state{LoadState::Stopped};
    std::atomic<std::uint64_t> m_posted{0};
    std::atomic<std::uint64_t> m_refused{0};
    std::atomic<std::uint64_t> m_throttledNs{0};
    std::atomic<double> m_offeredRate{0};
    std::atomic<bool> m_atCap{false};
};

LoadGenerator::LoadGenerator(WorkerPool *pool) : m_impl(std::make_unique<Impl>(pool)) {}
LoadGenerator::~LoadGenerator() = default;
void LoadGenerator::setPool(WorkerPool *pool) { m_impl->setPool(pool); }
void LoadGenerator::applySettings(const LoadSettings &settings) { m_impl->applySettings(settings); }
LoadSettings LoadGenerator::settings() const { return m_impl->settings(); }
void LoadGenerator::start() { m_impl->start(); }
void LoadGenerator::pause() { m_impl->pause(); }
void LoadGenerator::resume() { m_impl->resume(); }
void LoadGenerator::stop() { m_impl->stop(); }
LoadState LoadGenerator::state() const noexcept { return m_impl->state(); }
LoadStats LoadGenerator::stats() const noexcept { return m_impl->stats(); }

} // namespace poolscope
