#pragma once
// A controller that picks the worker count live: hill climbing in the manner of .NET's thread
// pool. Move, measure over a window, keep or revert; a floor and a ceiling; once neither
// direction pays it settles and holds, and a change in the load (throughput or the offered
// rate moving by a quarter for two windows in a row) starts a new climb.
//
// It reads plain samples and answers with plain decisions: it never touches a pool, so that
// it runs on a synthetic model in tests exactly as it runs on the real one. The caller (the
// session's owner) applies each decision's worker count through the session's verbs.

#include "sampler.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace poolscope {

struct AutoSizerOptions {
    unsigned floor = 1;     // fewest workers it sets, 1..WorkerPool::MaxWorkers
    unsigned ceiling = 256; // most workers it sets, floor..WorkerPool::MaxWorkers
    std::chrono::milliseconds waitTarget{50}; // queue wait p99 to keep under, 1 ms..60 s
    std::chrono::milliseconds warmUp{500};    // after a move, not measured (threads start, queues settle)
    std::chrono::milliseconds window{2000};   // measured per step, 100 ms..60 s
    double minGain = 0.05;    // a move up is kept when throughput rises by at least this share
    double tolerance = 0.05;  // a move down is kept when throughput stays within this share of the best
    double changeShare = 0.25; // settled: throughput or offered rate moving by this share is a new load
    unsigned maxStep = 8;     // the step doubles while moves pay, up to this

    // Empty when usable, else one sentence naming the first bad field and its range. Thread-safe.
    std::string validate() const;

    friend bool operator==(const AutoSizerOptions &, const AutoSizerOptions &) = default;
};

enum class AutoSizeAction : std::uint8_t {
    Probe,  // a move to measure (after a kept move, or from a fresh baseline)
    Revert, // the last move did not pay: back, and on to the next probe
    Settle, // neither direction pays: hold (and back to the best size when not there)
    Reset,  // the load or the worker count changed under it: measure again from here
};
std::string_view nameOf(AutoSizeAction action) noexcept;

struct AutoSizeDecision {
    std::uint64_t timestampNs = 0; // the sample that led to it (steady clock, as Sample's)
    AutoSizeAction action = AutoSizeAction::Probe;
    unsigned from = 0; // worker count before
    unsigned to = 0;   // worker count to set (== from: nothing to apply)
    double throughput = 0;      // completions/s of the window that decided
    std::uint64_t waitP99Ns = 0; // queue wait p99 of that window
    // For a person: "+2 workers (5 -> 7): throughput 41.2k/s -> 44.0k/s at 5, going on up".
    std::string reason;

    friend bool operator==(const AutoSizeDecision &, const AutoSizeDecision &) = default;
};

// Threading: a plain object without threads or locks; one thread at a time (the session's
// owner in the app). Every method is "Owner thread only".
//
// Timing (at the default options: 0.5 s warm-up, 2 s window): each step costs one warm-up
// plus one window (2.5 s); a load change while settled is noticed within three windows (6 s)
// and the first move follows one more warm-up and window (8.5 s in all).
class AutoSizer {
public:
    enum class Phase : std::uint8_t {
        Baseline, // measuring the current size before a probe
        Probing,  // measuring a probe
        Settled,  // holding; watching for a change of load
    };

    explicit AutoSizer(AutoSizerOptions options = {}); // std::invalid_argument for bad options

    // Feeds one sample, oldest first. Returns a decision when it moves or changes phase;
    // apply `to` when it differs from `from`. Until a sample shows the new worker target,
    // later samples (taken before the decision was applied) are skipped. Owner thread only.
    std::optional<AutoSizeDecision> observe(const Sample &sample);

    // Forgets all measurements: the next sample starts a baseline at its worker target.
    // Call it when the pool changes under it (a restart). Owner thread only.
    void reset();

    Phase phase() const noexcept { return m_phase; } // Owner thread only.
    const AutoSizerOptions &options() const noexcept { return m_options; } // Owner thread only.
    // The worker count it expects the pool to run with (0 before the first sample). Owner thread only.
    unsigned workers() const noexcept { return m_expected; }

private:
    struct Window {
        std::uint64_t startNs = 0, endNs = 0;
        std::uint64_t completedStart = 0, completedEnd = 0;
        std::uint64_t postedStart = 0, postedEnd = 0;
        double waitP99Weighted = 0; // sum of interval p99 x interval count
        std::uint64_t waitCount = 0;
        double queuedSum = 0;
        std::uint64_t samples = 0;
        double seconds() const noexcept { return static_cast<double>(endNs - startNs) / 1e9; }
        double throughput() const noexcept;
        double offered() const noexcept;
        std::uint64_t waitP99() const noexcept;
        double meanQueued() const noexcept { return samples ? queuedSum / static_cast<double>(samples) : 0; }
    };
    struct Measured {
        double throughput = 0, offered = 0;
        std::uint64_t waitP99 = 0;
        double meanQueued = 0;
    };

    std::optional<AutoSizeDecision> onMeasured(const Measured &m, std::uint64_t nowNs, unsigned live);
    std::optional<AutoSizeDecision> judgeProbe(const Measured &m, std::uint64_t nowNs);
    std::optional<AutoSizeDecision> watchSettled(const Measured &m, std::uint64_t nowNs);
    AutoSizeDecision nextProbe(std::uint64_t nowNs, const Measured &m, std::string reason, AutoSizeAction action);
    AutoSizeDecision move(std::uint64_t nowNs, AutoSizeAction action, unsigned to, const Measured &m, std::string reason);
    unsigned clampSize(long long size) const noexcept;
    bool meetsTarget(std::uint64_t waitP99) const noexcept;
    void restartWindow(std::uint64_t nowNs);

    AutoSizerOptions m_options;
    Phase m_phase = Phase::Baseline;
    bool m_started = false;
    unsigned m_expected = 0;    // the worker target it set (or found)
    bool m_pendingApply = false; // a decision's target not yet seen in a sample
    std::uint64_t m_pendingSinceNs = 0;
    std::uint64_t m_movedAtNs = 0; // measurement starts a warm-up after this
    Window m_window;
    bool m_measuring = false;

    unsigned m_base = 0; // the size the probes are judged against
    Measured m_baseMeasure;
    double m_best = 0; // best throughput since the last reset
    int m_direction = +1;
    unsigned m_step = 1;
    bool m_upExhausted = false, m_downExhausted = false;

    Measured m_settled;      // what the settled size measured
    bool m_targetUnreachable = false; // settled with p99 over the target: no size meets it
    int m_strikes = 0;       // consecutive settled windows that differ from m_settled
};

} // namespace poolscope
