#pragma once
// Alert rules on the pool's samples: any counter, rate or latency percentile compared with a
// number or with another metric, all of a rule's conditions at once, for a duration, with a
// silence period. A rule is one line of text:
//
//   NAME: CONDITION [and CONDITION ...] [for DURATION] [silence DURATION]
//
//   deep-queue: queued > 10,000 for 5s
//   slow-wait: wait.p99 > 50ms
//   failing: failures/s > 0 silence 1m
//   starvation: queued > 0 and completions/s == 0 for 2s
//   missing-workers: live < target for 10s
//
// A condition is METRIC OP (NUMBER | DURATION | METRIC), OP one of > >= < <= == !=. Metrics:
// the snapshot's counters and gauges (queued, in-flight, posted, completed, failed, live,
// target, blocked, ... see alertMetricNames()), the rate of any monotonic counter as
// `NAME/s` (completions/s, failures/s and posts/s are the sampler's own rates), and the
// latency of the last sample interval as `wait.p50` .. `wait.p999`, `wait.max`, `wait.mean`
// and the same for `service.` (times take a unit: ns, us, ms, s, m, h). Numbers may group
// digits with ',' or '_'.
//
// Firing: a rule fires when its conditions have held in every sample for DURATION (at once
// without `for`) and clears at the first sample where they do not. SILENCE: after a fire is
// notified, the rule does not notify again for that long: it still fires, is logged and
// shows on /metrics, but raises no banner nor desktop notification (a flapping rule does not
// flood the user).
//
// Pure values and a plain evaluator: no threads, no Qt.

#include "sampler.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace poolscope {

enum class AlertComparison : std::uint8_t { Greater, GreaterOrEqual, Less, LessOrEqual, Equal, NotEqual };

struct AlertOperand {
    int metric = -1;     // index into the metric table; -1: the constant
    double constant = 0; // in the metric's base unit (nanoseconds for times)

    friend bool operator==(const AlertOperand &, const AlertOperand &) = default;
};

struct AlertCondition {
    AlertOperand left; // always a metric
    AlertComparison comparison = AlertComparison::Greater;
    AlertOperand right;

    friend bool operator==(const AlertCondition &, const AlertCondition &) = default;
};

struct AlertRule {
    static constexpr std::size_t MaxNameLength = 64;
    static constexpr std::size_t MaxConditions = 8;

    std::string name; // [A-Za-z0-9_.-], 1..64 characters; unique in a rule set
    std::vector<AlertCondition> conditions; // all must hold
    std::chrono::milliseconds duration{0};  // held this long before firing
    std::chrono::milliseconds silence{0};   // after a notification, none for this long

    // The rule in canonical text ("deep-queue: queued > 10000 for 5s"). Thread-safe.
    std::string text() const;

    friend bool operator==(const AlertRule &, const AlertRule &) = default;
};

// Parses one rule. False with a one-line error that names the rule (or quotes the text when
// it has no name yet) and what is wrong: "rule 'slow-wait': 'wait.p99' is a time: give the
// threshold a unit (e.g. 50ms)". Thread-safe: a pure function.
bool parseAlertRule(std::string_view text, AlertRule &rule, std::string &error);

// Parses a rule set: one rule per line or separated by ';'; blank lines and lines starting
// with '#' are skipped; at most MaxRules rules, names unique. All or nothing: false with
// the first error and `rules` untouched. Thread-safe: a pure function.
constexpr std::size_t MaxAlertRules = 64;
bool parseAlertRules(std::string_view text, std::vector<AlertRule> &rules, std::string &error);
// The rules as text parseAlertRules() reads back, one a line. Thread-safe.
std::string alertRulesText(const std::vector<AlertRule> &rules);

// Every metric name a condition may use ("queued", "completions/s", "wait.p99", ...). Thread-safe.
std::vector<std::string> alertMetricNames();

enum class AlertEventKind : std::uint8_t { Fired, Cleared };
std::string_view nameOf(AlertEventKind kind) noexcept;

struct AlertEvent {
    std::uint64_t timestampNs = 0; // the sample's (steady clock)
    std::string rule;
    AlertEventKind kind = AlertEventKind::Fired;
    bool notify = false; // a fire outside the rule's silence: banner and desktop notification
    // "queued 12,345 > 10,000 for 5.0 s" / "cleared after 7.2 s"
    std::string message;

    friend bool operator==(const AlertEvent &, const AlertEvent &) = default;
};

struct AlertRuleState {
    std::string rule;
    bool firing = false;
    std::uint64_t fires = 0;           // since the evaluator's start or reset()
    std::uint64_t lastChangeNs = 0;    // the last fire or clear (0: never)

    friend bool operator==(const AlertRuleState &, const AlertRuleState &) = default;
};

// Evaluates a rule set on samples, oldest first.
//
// Threading: a plain object without threads or locks; one thread at a time (the session's
// owner in the app). Every method is "Owner thread only".
class AlertEvaluator {
public:
    explicit AlertEvaluator(std::vector<AlertRule> rules = {});

    // New rules: every rule starts cleared. Owner thread only.
    void setRules(std::vector<AlertRule> rules);
    const std::vector<AlertRule> &rules() const noexcept { return m_rules; } // Owner thread only.

    // Evaluates every rule on `sample` and appends the fires and clears it causes. Rates of
    // counters the sampler does not rate come from the previous sample (0 for the first).
    // Owner thread only.
    void observe(const Sample &sample, std::vector<AlertEvent> &events);

    // Every rule cleared, its counts zeroed, no previous sample: a new run. Owner thread only.
    void reset();

    // Each rule's state, in rule order. Owner thread only.
    std::vector<AlertRuleState> states() const;

private:
    struct Tracking {
        std::optional<std::uint64_t> trueSinceNs; // conditions hold since this sample
        bool firing = false;
        std::uint64_t firedAtNs = 0;
        std::optional<std::uint64_t> notifiedAtNs;
        std::uint64_t fires = 0;
        std::uint64_t lastChangeNs = 0;
    };

    std::vector<AlertRule> m_rules;
    std::vector<Tracking> m_tracking;
    std::optional<Sample> m_previous;
};

} // namespace poolscope
