#include "autosizer.h"

#include "textformat.h"
#include "workerpool.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace poolscope {

namespace {

constexpr std::uint64_t NsPerMs = 1'000'000;
// A resize normally shows in the next sample; past this, the pool did not take it (a refused
// apply, or a hand on the slider) and the sizer starts again from what the pool runs with.
constexpr std::uint64_t ApplyGraceNs = 5'000 * NsPerMs;
// Threads still starting or retiring after the warm-up: wait at most this long for them.
constexpr std::uint64_t ResizeGraceNs = 5'000 * NsPerMs;

std::string workersText(unsigned count) { return std::to_string(count) + (count == 1 ? " worker" : " workers"); }

// "+2 workers (5 -> 7)", "-1 worker (8 -> 7)".
std::string moveText(unsigned from, unsigned to)
{
    const unsigned delta = to > from ? to - from : from - to;
    return (to > from ? "+" : "-") + workersText(delta) + " (" + std::to_string(from) + " -> " + std::to_string(to) + ")";
}

bool differs(double value, double reference, double share)
{
    return std::abs(value - reference) > share * std::max(reference, 1.0);
}

} // namespace

std::string AutoSizerOptions::validate() const
{
    const auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()); };
    const std::string most = std::to_string(WorkerPool::MaxWorkers); // it sizes a WorkerPool
    if (floor < 1 || floor > WorkerPool::MaxWorkers)
        return "auto-size floor must be 1.." + most + " (got " + std::to_string(floor) + ")";
    if (ceiling < floor || ceiling > WorkerPool::MaxWorkers)
        return "auto-size ceiling must be " + std::to_string(floor) + ".." + most + " (got " + std::to_string(ceiling) + ")";
    if (waitTarget < std::chrono::milliseconds(1) || waitTarget > std::chrono::milliseconds(60'000))
        return "auto-size wait target must be 1..60000 ms (got " + ms(waitTarget) + ")";
    if (warmUp < std::chrono::milliseconds(0) || warmUp > std::chrono::milliseconds(60'000))
        return "auto-size warm-up must be 0..60000 ms (got " + ms(warmUp) + ")";
    if (window < std::chrono::milliseconds(100) || window > std::chrono::milliseconds(60'000))
        return "auto-size window must be 100..60000 ms (got " + ms(window) + ")";
    const auto share = [](double v) { return v >= 0 && v <= 1; }; // also false for NaN
    if (!share(minGain) || !share(tolerance) || !share(changeShare) || changeShare == 0)
        return "auto-size gain, tolerance and change share must be 0..1 (change share above 0)";
    if (maxStep < 1 || maxStep > WorkerPool::MaxWorkers)
        return "auto-size step must be 1.." + most + " (got " + std::to_string(maxStep) + ")";
    return {};
}

std::string_view nameOf(AutoSizeAction action) noexcept
{
    switch (action) {
    case AutoSizeAction::Probe: return "probe";
    case AutoSizeAction::Revert: return "revert";
    case AutoSizeAction::Settle: return "settle";
    case AutoSizeAction::Reset: return "reset";
    }
    return "probe";
}

double AutoSizer::Window::throughput() const noexcept
{
    const double s = seconds();
    return s > 0 && completedEnd >= completedStart ? static_cast<double>(completedEnd - completedStart) / s : 0;
}

double AutoSizer::Window::offered() const noexcept
{
    const double s = seconds();
    return s > 0 && postedEnd >= postedStart ? static_cast<double>(postedEnd - postedStart) / s : 0;
}

// A window's p99 as the interval p99s weighted by their unit counts: an approximation (a
// merged histogram would be exact), steady enough to compare sizes, and it needs no more
// than the samples carry.
std::uint64_t AutoSizer::Window::waitP99() const noexcept
{
    return waitCount ? static_cast<std::uint64_t>(waitP99Weighted / static_cast<double>(waitCount)) : 0;
}

AutoSizer::AutoSizer(AutoSizerOptions options) : m_options(options)
{
    if (const std::string error = m_options.validate(); !error.empty())
        throw std::invalid_argument(error);
}

void AutoSizer::reset()
{
    *this = AutoSizer(m_options);
}

unsigned AutoSizer::clampSize(long long size) const noexcept
{
    return static_cast<unsigned>(std::clamp<long long>(size, m_options.floor, m_options.ceiling));
}

bool AutoSizer::meetsTarget(std::uint64_t waitP99) const noexcept
{
    return waitP99 <= static_cast<std::uint64_t>(std::chrono::nanoseconds(m_options.waitTarget).count());
}

void AutoSizer::restartWindow(std::uint64_t nowNs)
{
    m_measuring = false;
    m_movedAtNs = nowNs;
}

std::optional<AutoSizeDecision> AutoSizer::observe(const Sample &sample)
{
    const PoolSnapshot &p = sample.pool;
    const std::uint64_t now = p.timestampNs;

    if (!m_started) {
        m_started = true;
        m_expected = m_base = p.targetWorkers;
        restartWindow(now);
        const unsigned bounded = clampSize(p.targetWorkers);
        if (bounded != p.targetWorkers)
            return move(now, AutoSizeAction::Reset, bounded, {},
                        moveText(p.targetWorkers, bounded) + ": into the auto-size range " +
                            std::to_string(m_options.floor) + ".." + std::to_string(m_options.ceiling));
        return std::nullopt;
    }

    if (m_pendingApply) {
        if (p.targetWorkers == m_expected) {
            m_pendingApply = false;
            restartWindow(now); // the warm-up starts when the pool has the new size
        } else if (now - m_pendingSinceNs < ApplyGraceNs) {
            return std::nullopt; // taken before the decision was applied
        }
    }
    if (!m_pendingApply && p.targetWorkers != m_expected) {
        // Someone else set the size (or the pool refused ours): measure again from there.
        const unsigned was = m_expected;
        const AutoSizerOptions options = m_options;
        *this = AutoSizer(options);
        m_started = true;
        m_expected = m_base = p.targetWorkers;
        restartWindow(now);
        AutoSizeDecision decision;
        decision.timestampNs = now;
        decision.action = AutoSizeAction::Reset;
        decision.from = decision.to = p.targetWorkers;
        decision.reason = "the pool runs " + workersText(p.targetWorkers) + ", not the " + std::to_string(was) +
                          " set by the auto-sizer: measuring again from there";
        return decision;
    }
    if (m_pendingApply) { // the grace ran out while the pool still shows the old size
        m_pendingApply = false;
        return observe(sample);
    }

    if (!m_measuring) {
        if (now < m_movedAtNs + static_cast<std::uint64_t>(std::chrono::nanoseconds(m_options.warmUp).count()))
            return std::nullopt;
        if (p.liveWorkers != p.targetWorkers && now < m_movedAtNs + ResizeGraceNs)
            return std::nullopt;
        m_window = {};
        m_window.startNs = m_window.endNs = now;
        m_window.completedStart = m_window.completedEnd = p.completed;
        m_window.postedStart = m_window.postedEnd = p.posted;
        m_measuring = true;
        return std::nullopt;
    }

    m_window.endNs = now;
    m_window.completedEnd = p.completed;
    m_window.postedEnd = p.posted;
    m_window.waitP99Weighted += static_cast<double>(sample.queueWait.p99) * static_cast<double>(sample.queueWait.count);
    m_window.waitCount += sample.queueWait.count;
    m_window.queuedSum += static_cast<double>(p.queued);
    ++m_window.samples;
    if (now - m_window.startNs < static_cast<std::uint64_t>(std::chrono::nanoseconds(m_options.window).count()))
        return std::nullopt;

    const Measured measured{m_window.throughput(), m_window.offered(), m_window.waitP99(), m_window.meanQueued()};
    m_measuring = false;
    std::optional<AutoSizeDecision> decision = onMeasured(measured, now, p.liveWorkers);
    if (!decision && m_phase == Phase::Settled) {
        // Settled windows follow each other without a warm-up: nothing moved.
        m_window = {};
        m_window.startNs = m_window.endNs = now;
        m_window.completedStart = m_window.completedEnd = p.completed;
        m_window.postedStart = m_window.postedEnd = p.posted;
        m_measuring = true;
    }
    return decision;
}

std::optional<AutoSizeDecision> AutoSizer::onMeasured(const Measured &m, std::uint64_t nowNs, unsigned live)
{
    switch (m_phase) {
    case Phase::Probing: return judgeProbe(m, nowNs);
    case Phase::Settled: return watchSettled(m, nowNs);
    case Phase::Baseline: break;
    }
    m_base = m_expected;
    m_baseMeasure = m;
    m_best = std::max(m_best, m.throughput);
    m_step = 1;
    m_upExhausted = m_base >= m_options.ceiling;
    m_downExhausted = m_base <= m_options.floor;
    // Behind (a queue over the target, or a backlog of a unit per worker): more threads may
    // help, so look up first; otherwise see whether fewer do as well.
    const bool behind = !meetsTarget(m.waitP99) || m.meanQueued >= std::max(1u, live);
    m_direction = behind ? +1 : -1;
    if ((m_direction > 0 && m_upExhausted) || (m_direction < 0 && m_downExhausted))
        m_direction = -m_direction;
    const std::string at = formatRate(m.throughput) + ", queue wait p99 " + formatNanoseconds(static_cast<double>(m.waitP99));
    if (m_upExhausted && m_downExhausted)
        return move(nowNs, AutoSizeAction::Settle, m_base, m, "settled at " + workersText(m_base) + " (the floor is the ceiling): " + at);
    return nextProbe(nowNs, m, std::string("probing ") + (m_direction > 0 ? "up" : "down") + " from " + at,
                     AutoSizeAction::Probe);
}

std::optional<AutoSizeDecision> AutoSizer::judgeProbe(const Measured &m, std::uint64_t nowNs)
{
    const unsigned probe = m_expected;
    const bool up = probe > m_base;
    const Measured &b = m_baseMeasure;
    const std::string change = "throughput " + formatRate(b.throughput) + " at " + std::to_string(m_base) + " -> " +
                               formatRate(m.throughput) + " at " + std::to_string(probe);
    bool keep = false;
    std::string verdict;
    if (up) {
        const bool gain = m.throughput > 0 && m.throughput >= b.throughput * (1 + m_options.minGain);
        const bool waitFixed = !meetsTarget(b.waitP99) &&
                               (meetsTarget(m.waitP99) || m.waitP99 < b.waitP99 / 4 * 3) &&
                               m.throughput >= b.throughput * (1 - m_options.tolerance);
        keep = gain || waitFixed;
        verdict = gain ? change : waitFixed ? "queue wait p99 " + formatNanoseconds(static_cast<double>(b.waitP99)) + " -> " + formatNanoseconds(static_cast<double>(m.waitP99))
                                            : change + ": no gain";
    } else {
        // Under the target, or (when no size meets it) no worse than before.
        const bool waitOk = meetsTarget(m.waitP99) ||
                            static_cast<double>(m.waitP99) <= static_cast<double>(b.waitP99) * (1 + m_options.tolerance);
        const bool asGood = m.throughput >= m_best * (1 - m_options.tolerance);
        keep = waitOk && asGood;
        verdict = !waitOk ? "queue wait p99 " + formatNanoseconds(static_cast<double>(b.waitP99)) + " at " + std::to_string(m_base) + " -> " +
                                formatNanoseconds(static_cast<double>(m.waitP99)) + " at " + std::to_string(probe) + ", over the target"
                  : !asGood ? change + ": a loss"
                            : change + ": as good with fewer";
    }

    if (keep) {
        m_base = probe;
        m_baseMeasure = m;
        m_best = std::max(m_best, m.throughput);
        if (up) {
            m_downExhausted = true; // it came from below
            m_upExhausted = m_base >= m_options.ceiling;
        } else {
            m_upExhausted = true;
            m_downExhausted = m_base <= m_options.floor;
        }
        m_step = std::min(m_step * 2, m_options.maxStep);
        if ((m_direction > 0 && m_upExhausted) || (m_direction < 0 && m_downExhausted)) {
            m_phase = Phase::Settled;
            m_settled = m;
            m_targetUnreachable = !meetsTarget(m.waitP99);
            m_strikes = 0;
            return move(nowNs, AutoSizeAction::Settle, m_base, m, verdict + "; settled at " + workersText(m_base) + " (the limit)");
        }
        return nextProbe(nowNs, m, verdict + ", going on " + (m_direction > 0 ? "up" : "down"), AutoSizeAction::Probe);
    }

    // Not kept. A long step that failed may have stepped over the best: retry a single step
    // the same way; a single step that failed closes that direction.
    const unsigned single = clampSize(static_cast<long long>(m_base) + m_direction);
    if (m_step > 1 && single != probe) {
        m_step = 1;
    } else {
        (m_direction > 0 ? m_upExhausted : m_downExhausted) = true;
        m_direction = -m_direction;
        m_step = 1;
    }
    if ((m_direction > 0 && m_upExhausted) || (m_direction < 0 && m_downExhausted)) {
        m_phase = Phase::Settled;
        m_settled = m_baseMeasure;
        m_targetUnreachable = !meetsTarget(m_baseMeasure.waitP99);
        m_strikes = 0;
        return move(nowNs, AutoSizeAction::Settle, m_base, m,
                    verdict + "; settled at " + workersText(m_base) + " (" + formatRate(m_baseMeasure.throughput) +
                        ", queue wait p99 " + formatNanoseconds(static_cast<double>(m_baseMeasure.waitP99)) + ")");
    }
    return nextProbe(nowNs, m,
                     verdict + "; probing " + (m_direction > 0 ? "up" : "down") + " from " + std::to_string(m_base),
                     AutoSizeAction::Revert);
}

std::optional<AutoSizeDecision> AutoSizer::watchSettled(const Measured &m, std::uint64_t nowNs)
{
    const bool throughputMoved = differs(m.throughput, m_settled.throughput, m_options.changeShare);
    const bool offeredMoved = differs(m.offered, m_settled.offered, m_options.changeShare);
    const bool waitBroke = !m_targetUnreachable && !meetsTarget(m.waitP99);
    if (!throughputMoved && !offeredMoved && !waitBroke) {
        m_strikes = 0;
        return std::nullopt;
    }
    if (++m_strikes < 2)
        return std::nullopt;

    std::string what = "load changed at " + workersText(m_expected) + ": throughput " + formatRate(m_settled.throughput) +
                       " -> " + formatRate(m.throughput) + ", offered " + formatRate(m_settled.offered) + " -> " +
                       formatRate(m.offered);
    if (waitBroke)
        what += ", queue wait p99 " + formatNanoseconds(static_cast<double>(m.waitP99)) + " over the target";
    // The window just measured is the new load at this size: it is the baseline, so the
    // first probe follows at once.
    m_phase = Phase::Baseline;
    m_best = 0;
    m_strikes = 0;
    std::optional<AutoSizeDecision> next = onMeasured(m, nowNs, m_expected);
    if (next) {
        next->action = AutoSizeAction::Reset;
        next->reason = what + "; " + next->reason;
    }
    return next;
}

AutoSizeDecision AutoSizer::nextProbe(std::uint64_t nowNs, const Measured &m, std::string reason, AutoSizeAction action)
{
    m_phase = Phase::Probing;
    const unsigned to = clampSize(static_cast<long long>(m_base) + m_direction * static_cast<long long>(m_step));
    return move(nowNs, action, to, m, std::move(reason));
}

AutoSizeDecision AutoSizer::move(std::uint64_t nowNs, AutoSizeAction action, unsigned to, const Measured &m, std::string reason)
{
    AutoSizeDecision decision;
    decision.timestampNs = nowNs;
    decision.action = action;
    decision.from = m_expected;
    decision.to = to;
    decision.throughput = m.throughput;
    decision.waitP99Ns = m.waitP99;
    decision.reason = to != m_expected ? moveText(m_expected, to) + ": " + std::move(reason) : std::move(reason);
    if (to != m_expected) {
        m_expected = to;
        m_pendingApply = true;
        m_pendingSinceNs = nowNs;
    }
    restartWindow(nowNs);
    return decision;
}

} // namespace poolscope
