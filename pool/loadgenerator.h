#pragma once

#include "loadsettings.h"

#include <cstdint>
#include <exception>
#include <memory>
#include <string>

namespace poolscope {

class WorkerPool;

// The exception types a generated unit may throw (see ThrownType).
class SimulatedError : public std::exception {
public:
    const char *what() const noexcept override { return "simulated failure (SimulatedError)"; }
};
struct SimulatedFault {
    int code = 503;
};

enum class LoadState : std::uint8_t { Stopped, Running, Paused };
std::string_view nameOf(LoadState state) noexcept; // "stopped", "running", "paused". Thread-safe.

struct LoadStats {
    std::uint64_t posted = 0;            // units the pool accepted from the generator
    std::uint64_t refused = 0;           // units the pool refused (shutting down or failed fast); once
                                         // refused, a producer tries one unit per 1 ms until accepted
    std::uint64_t throttledNs = 0;       // producer time spent waiting at the queue cap
    double offeredRatePerSecond = 0;     // what the pattern asks for now (0 when stopped or as fast as possible)
    bool atQueueCap = false;             // a producer is waiting at the cap right now
};

// Generates work for a WorkerPool from producer threads of its own (never pool workers),
// following LoadSettings: a pattern of posting rates and a mix of units that spin the CPU,
// block inside a BlockingScope, or throw. Each unit is tagged with what it does ("cpu",
// "blocking", "throwing"). Units rotate through the pool's three kinds (callable,
// function + context, notify target; blocking units are always callables); none of them
// refers to the generator, so units still queued may outlive it. The random draws use a
// fixed seed per producer, so a run's mix of costs is repeatable.
//
// Threading: all methods are for one controlling thread (the owner's), except stats() and
// state(), which any thread may call. Producers post in batches per 1 ms tick, so rates up
// to 10 M/s cost no sleep per unit; while the pool's queue is at the cap they wait and count
// the time. stop() returns within a few milliseconds whatever the load.
class LoadGenerator {
public:
    explicit LoadGenerator(WorkerPool *pool = nullptr);
    ~LoadGenerator(); // stops
    LoadGenerator(const LoadGenerator &) = delete;
    LoadGenerator &operator=(const LoadGenerator &) = delete;

    // The pool to load. Owner thread only; the generator must be stopped (std::logic_error
    // otherwise), since producers hold the pool while they run.
    void setPool(WorkerPool *pool);

    // Takes effect at once, also while running. Throws std::invalid_argument with
    // LoadSettings::validate()'s message, and changes nothing, for bad settings.
    // Owner thread only.
    void applySettings(const LoadSettings &settings);
    LoadSettings settings() const; // Owner thread only.

    void start();  // Stopped or Paused -> Running. Throws std::logic_error without a pool. Owner thread only.
    // Running -> Paused: producers idle, threads kept; nothing is posted after it returns (it
    // waits for the batch each producer may be posting, microseconds). Owner thread only.
    void pause();
    void resume(); // Paused -> Running. Owner thread only.
    void stop();   // -> Stopped: producers joined. Owner thread only.

    LoadState state() const noexcept; // Thread-safe.
    LoadStats stats() const noexcept; // Thread-safe. Never blocks a producer.

    class Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace poolscope
