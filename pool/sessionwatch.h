#pragma once
// The sizing advice that runs beside a session: the auto-sizer, whose decisions are applied
// through the session's verbs, and the alert rules, evaluated on the same samples. One
// class for the window and the headless runner alike, so that neither front end re-does
// "feed the samples, apply the decision, keep the log".

#include "alertrules.h"
#include "autosizer.h"
#include "sampler.h"

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace poolscope {

class JsonWriter;
class PoolSession;

// What the auto-sizer and the alert rules did in a run, as plain values (for the exports).
struct WatchReport {
    bool autoSizeEnabled = false;
    AutoSizerOptions autoSizeOptions;
    std::string autoSizePhase; // "baseline", "probing", "settled"; empty when off
    std::vector<AutoSizeDecision> decisions; // oldest first, the newest MaxLogEntries
    std::vector<AlertRule> alertRules;
    std::vector<AlertRuleState> alertStates; // in rule order
    std::vector<AlertEvent> alertEvents;     // oldest first, the newest MaxLogEntries
};

// The "auto_size" and "alerts" members of a JSON object being written; times as "time_s"
// from `originNs` (the steady clock of the history's first sample, so that they line up with
// it). Thread-safe: a pure function of its arguments.
void writeWatchJson(JsonWriter &json, const WatchReport &report, std::uint64_t originNs);

std::string_view nameOf(AutoSizer::Phase phase) noexcept;

// Threading: belongs to the session's owner thread, like the session verbs it calls; every
// method is "Owner thread only". It waits for nothing: apply() is an owner verb that never
// waits for pool threads.
class SessionWatch {
public:
    static constexpr std::size_t MaxLogEntries = 1000;

    // What one batch of samples caused.
    struct Events {
        std::vector<AutoSizeDecision> decisions; // applied (or refused: the reason says so)
        std::vector<AlertEvent> alerts;
        bool empty() const noexcept { return decisions.empty() && alerts.empty(); }
    };

    explicit SessionWatch(PoolSession &session);

    // On with these options (a fresh climb from the pool's current size), or off (nullopt).
    // Throws std::invalid_argument for bad options, and then nothing changes. Owner thread only.
    void setAutoSize(std::optional<AutoSizerOptions> options);
    bool isAutoSizing() const noexcept { return m_sizer.has_value(); } // Owner thread only.
    const AutoSizerOptions &autoSizeOptions() const noexcept { return m_options; } // Owner thread only.

    // New rules: each starts cleared; the log is kept. Owner thread only.
    void setAlertRules(std::vector<AlertRule> rules);
    const std::vector<AlertRule> &alertRules() const noexcept { return m_alerts.rules(); } // Owner thread only.
    std::vector<AlertRuleState> alertStates() const { return m_alerts.states(); }          // Owner thread only.

    // Feeds a batch of the run's new samples, oldest first: evaluates the rules and, while
    // auto-sizing a running pool, applies each decision's worker count through
    // PoolSession::apply(). Appends what happened to `events` and to the logs. Owner thread only.
    void observe(const std::vector<Sample> &samples, Events &events);

    // A new run: measurements, rule states and logs start afresh; the settings stay. Owner thread only.
    void startNewRun();

    const std::deque<AutoSizeDecision> &decisions() const noexcept { return m_decisions; } // Owner thread only.
    const std::deque<AlertEvent> &alertEvents() const noexcept { return m_alertEvents; }   // Owner thread only.
    WatchReport report() const; // Owner thread only.

private:
    PoolSession &m_session;
    AutoSizerOptions m_options;
    std::optional<AutoSizer> m_sizer;
    AlertEvaluator m_alerts;
    std::deque<AutoSizeDecision> m_decisions;
    std::deque<AlertEvent> m_alertEvents;
};

} // namespace poolscope
