#include "snapshotfields.h"

#include <algorithm>

namespace poolscope {

namespace {

using K = FieldKind;
using U = FieldUnit;
using G = FieldGroup;
using S = PoolSnapshot;

constexpr NamedMember stateMember{
    [](const S &s) noexcept { return nameOf(s.state); },
    [](std::string_view name, S &s) noexcept {
        const auto state = parsePoolState(name);
        if (state)
            s.state = *state;
        return state.has_value();
    },
};

constexpr NamedMember policyMember{
    [](const S &s) noexcept { return nameOf(s.policy); },
    [](std::string_view name, S &s) noexcept { return parseExceptionPolicy(name, s.policy); },
};

// The table (see snapshotfields.h for what each column means and how to add a row).
// name, label, unit, kind, group, member, help, metric[, sharesRowWith]
constexpr SnapshotField Fields[] = {
    {"posted", "Posted", U::WorkUnits, K::Counter, G::WorkUnits, &S::posted, "Work units accepted by the pool.",
     "poolscope_units_posted"},
    {"started", "Started", U::WorkUnits, K::Counter, G::WorkUnits, &S::started, "Work units a worker started.",
     "poolscope_units_started"},
    {"completed", "Completed", U::WorkUnits, K::Counter, G::WorkUnits, &S::completed, "Work units that ran to the end.",
     "poolscope_units_completed"},
    {"failed", "Failed", U::WorkUnits, K::Counter, G::WorkUnits, &S::failed, "Work units that threw.",
     "poolscope_units_failed"},
    {"cancelled", "Cancelled", U::WorkUnits, K::Counter, G::WorkUnits, &S::cancelled,
     "Work units destroyed without running.", "poolscope_units_cancelled"},
    {"rejected", "Rejected", U::WorkUnits, K::Counter, G::WorkUnits, &S::rejected,
     "Posts refused because the pool was not accepting.", "poolscope_units_rejected"},
    {"queued", "Queued", U::WorkUnits, K::Gauge, G::WorkUnits, &S::queued, "Work units waiting in the port.",
     "poolscope_units_queued"},
    {"in_flight", "In flight", U::WorkUnits, K::Gauge, G::WorkUnits, &S::inFlight,
     "Work units started and not finished.", "poolscope_units_in_flight"},
    {"target_workers", "Target", U::Threads, K::Gauge, G::Threads, &S::targetWorkers, "Workers asked for.",
     "poolscope_workers{state=\"target\"}"},
    {"live_workers", "live", U::Threads, K::Gauge, G::Threads, &S::liveWorkers, "Threads started and not yet exited.",
     "poolscope_workers{state=\"live\"}", "target_workers"},
    {"idle_workers", "Idle", U::Threads, K::Gauge, G::Threads, &S::idleWorkers,
     "Workers waiting in dequeue: spinning or parked.", "poolscope_workers{state=\"idle\"}"},
    {"running_workers", "Running", U::Threads, K::Gauge, G::Threads, &S::runningWorkers,
     "Workers in a unit, not blocked.", "poolscope_workers{state=\"running\"}"},
    {"blocked_workers", "Blocked", U::Threads, K::Gauge, G::Threads, &S::blockedWorkers,
     "Workers in a unit, inside a BlockingScope.", "poolscope_workers{state=\"blocked\"}"},
    {"retiring_workers", "Retiring", U::Threads, K::Gauge, G::Threads, &S::retiringWorkers,
     "Workers asked to retire, not yet exited.", "poolscope_workers{state=\"retiring\"}"},
    {"concurrency", "Concurrency limit", U::Threads, K::Gauge, G::Threads, &S::concurrency,
     "Threads the port lets run at once.", "poolscope_concurrency_limit"},
    {"peak_queued", "peak", U::WorkUnits, K::Gauge, G::WorkUnits, &S::peakQueued,
     "Peak of queued units since the last reset.", "poolscope_units_queued_peak", "queued"},
    {"peak_running", "peak", U::Threads, K::Gauge, G::Threads, &S::peakRunning,
     "Peak of running workers since the last reset.", "poolscope_workers_running_peak", "running_workers"},
    {"parks", "Parks", U::Events, K::Counter, G::Threads, &S::parks, "Times a worker went to sleep waiting for work.",
     "poolscope_worker_parks"},
    {"wakes", "wakes", U::Events, K::Counter, G::Threads, &S::wakes, "Times a post woke a sleeping worker.",
     "poolscope_worker_wakes", "parks"},
    {"exception_reports_dropped", "Reports dropped", U::Reports, K::Counter, G::Pool, &S::exceptionReportsDropped,
     "Exception reports lost to a full report queue.", "poolscope_exception_reports_dropped"},
    {"state", "State", U::None, K::Name, G::Pool, stateMember, "Running, draining, failed or stopped.", ""},
    {"policy", "On exception", U::None, K::Name, G::Pool, policyMember, "The exception policy in force.", ""},
};

constexpr MetricFamilyHelp LabelledFamilies[] = {
    {"poolscope_workers", "Worker threads by state."},
};

} // namespace

std::span<const SnapshotField> snapshotFields() noexcept { return Fields; }

std::span<const MetricFamilyHelp> labelledMetricFamilies() noexcept { return LabelledFamilies; }

const SnapshotField *findSnapshotField(std::string_view name) noexcept
{
    const auto found = std::ranges::find(Fields, name, &SnapshotField::name);
    return found == std::end(Fields) ? nullptr : &*found;
}

FieldValue SnapshotField::read(const PoolSnapshot &snapshot) const noexcept
{
    struct Reader {
        const PoolSnapshot &s;
        FieldValue operator()(std::uint64_t PoolSnapshot::*m) const noexcept { return s.*m; }
        FieldValue operator()(std::uint32_t PoolSnapshot::*m) const noexcept { return std::uint64_t{s.*m}; }
        FieldValue operator()(double PoolSnapshot::*m) const noexcept { return s.*m; }
        FieldValue operator()(const NamedMember &m) const noexcept { return m.read(s); }
    };
    return std::visit(Reader{snapshot}, member);
}

std::string_view SnapshotField::metricFamily() const noexcept { return metric.substr(0, metric.find('{')); }

std::string_view SnapshotField::metricLabels() const noexcept
{
    const std::size_t open = metric.find('{');
    if (open == std::string_view::npos || !metric.ends_with('}'))
        return {};
    return metric.substr(open + 1, metric.size() - open - 2);
}

std::string_view nameOf(FieldUnit unit) noexcept
{
    switch (unit) {
    case FieldUnit::WorkUnits: return "work units";
    case FieldUnit::Threads: return "threads";
    case FieldUnit::Events: return "events";
    case FieldUnit::Reports: return "reports";
    case FieldUnit::Operations: return "operations";
    case FieldUnit::Bytes: return "bytes";
    case FieldUnit::Nanoseconds: return "ns";
    case FieldUnit::Percent: return "%";
    case FieldUnit::None: return "";
    }
    return "";
}

std::string_view titleOf(FieldGroup group) noexcept
{
    switch (group) {
    case FieldGroup::WorkUnits: return "Work units";
    case FieldGroup::Threads: return "Threads";
    case FieldGroup::Io: return "I/O";
    case FieldGroup::Alerts: return "Alerts";
    case FieldGroup::Pool: return "Pool";
    }
    return "";
}

} // namespace poolscope
