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
    {"running_ns", "Time running", U::Nanoseconds, K::Counter, G::Threads, &S::runningNs,
     "Time workers spent in a unit, not blocked, summed over the workers.", "poolscope_worker_seconds{state=\"running\"}"},
    {"blocked_ns", "blocked", U::Nanoseconds, K::Counter, G::Threads, &S::blockedNs,
     "Time workers spent in a unit inside a BlockingScope, summed over the workers.",
     "poolscope_worker_seconds{state=\"blocked\"}", "running_ns"},
    {"idle_ns", "Time idle", U::Nanoseconds, K::Counter, G::Threads, &S::idleNs,
     "Time workers spent waiting in dequeue, summed over the workers.", "poolscope_worker_seconds{state=\"idle\"}"},
    {"exception_reports_dropped", "Reports dropped", U::Reports, K::Counter, G::Pool, &S::exceptionReportsDropped,
     "Exception reports lost to a full report queue.", "poolscope_exception_reports_dropped"},
    {"io_started", "I/O started", U::Operations, K::Counter, G::Io, &S::ioStarted,
     "I/O operations started on the pool's port.", "poolscope_io_started"},
    {"io_completed", "completed", U::Operations, K::Counter, G::Io, &S::ioCompleted,
     "I/O operations that completed.", "poolscope_io_completed", "io_started"},
    {"io_failed", "I/O failed", U::Operations, K::Counter, G::Io, &S::ioFailed,
     "I/O operations that completed with an error other than cancellation.", "poolscope_io_failed"},
    {"io_cancelled", "cancelled", U::Operations, K::Counter, G::Io, &S::ioCancelled,
     "I/O operations that completed cancelled.", "poolscope_io_cancelled", "io_failed"},
    {"io_outstanding", "Outstanding", U::Operations, K::Gauge, G::Io, &S::ioOutstanding,
     "I/O operations started and not yet completed.", "poolscope_io_outstanding"},
    {"io_peak_outstanding", "peak", U::Operations, K::Gauge, G::Io, &S::ioPeakOutstanding,
     "Peak of outstanding I/O operations since the last reset.", "poolscope_io_outstanding_peak", "io_outstanding"},
    {"io_bytes_read", "Bytes read", U::Bytes, K::Counter, G::Io, &S::ioBytesRead,
     "Bytes transferred by completed reads and recvs.", "poolscope_io_read_bytes"},
    {"io_bytes_written", "written", U::Bytes, K::Counter, G::Io, &S::ioBytesWritten,
     "Bytes transferred by completed writes and sends.", "poolscope_io_written_bytes", "io_bytes_read"},
    {"io_read_started", "Read started", U::Operations, K::Counter, G::Io, &S::ioReadStarted,
     "Read operations started.", "poolscope_io_kind_started{kind=\"read\"}"},
    {"io_write_started", "Write started", U::Operations, K::Counter, G::Io, &S::ioWriteStarted,
     "Write operations started.", "poolscope_io_kind_started{kind=\"write\"}"},
    {"io_recv_started", "Recv started", U::Operations, K::Counter, G::Io, &S::ioRecvStarted,
     "Recv operations started.", "poolscope_io_kind_started{kind=\"recv\"}"},
    {"io_send_started", "Send started", U::Operations, K::Counter, G::Io, &S::ioSendStarted,
     "Send operations started.", "poolscope_io_kind_started{kind=\"send\"}"},
    {"io_accept_started", "Accept started", U::Operations, K::Counter, G::Io, &S::ioAcceptStarted,
     "Accept operations started.", "poolscope_io_kind_started{kind=\"accept\"}"},
    {"io_read_completed", "completed", U::Operations, K::Counter, G::Io, &S::ioReadCompleted,
     "Read operations completed.", "poolscope_io_kind_completed{kind=\"read\"}", "io_read_started"},
    {"io_write_completed", "completed", U::Operations, K::Counter, G::Io, &S::ioWriteCompleted,
     "Write operations completed.", "poolscope_io_kind_completed{kind=\"write\"}", "io_write_started"},
    {"io_recv_completed", "completed", U::Operations, K::Counter, G::Io, &S::ioRecvCompleted,
     "Recv operations completed.", "poolscope_io_kind_completed{kind=\"recv\"}", "io_recv_started"},
    {"io_send_completed", "completed", U::Operations, K::Counter, G::Io, &S::ioSendCompleted,
     "Send operations completed.", "poolscope_io_kind_completed{kind=\"send\"}", "io_send_started"},
    {"io_accept_completed", "completed", U::Operations, K::Counter, G::Io, &S::ioAcceptCompleted,
     "Accept operations completed.", "poolscope_io_kind_completed{kind=\"accept\"}", "io_accept_started"},
    {"io_read_failed", "Read failed", U::Operations, K::Counter, G::Io, &S::ioReadFailed,
     "Read operations failed with an error.", "poolscope_io_kind_failed{kind=\"read\"}"},
    {"io_write_failed", "Write failed", U::Operations, K::Counter, G::Io, &S::ioWriteFailed,
     "Write operations failed with an error.", "poolscope_io_kind_failed{kind=\"write\"}"},
    {"io_recv_failed", "Recv failed", U::Operations, K::Counter, G::Io, &S::ioRecvFailed,
     "Recv operations failed with an error.", "poolscope_io_kind_failed{kind=\"recv\"}"},
    {"io_send_failed", "Send failed", U::Operations, K::Counter, G::Io, &S::ioSendFailed,
     "Send operations failed with an error.", "poolscope_io_kind_failed{kind=\"send\"}"},
    {"io_accept_failed", "Accept failed", U::Operations, K::Counter, G::Io, &S::ioAcceptFailed,
     "Accept operations failed with an error.", "poolscope_io_kind_failed{kind=\"accept\"}"},
    {"io_read_cancelled", "cancelled", U::Operations, K::Counter, G::Io, &S::ioReadCancelled,
     "Read operations completed cancelled.", "poolscope_io_kind_cancelled{kind=\"read\"}", "io_read_failed"},
    {"io_write_cancelled", "cancelled", U::Operations, K::Counter, G::Io, &S::ioWriteCancelled,
     "Write operations completed cancelled.", "poolscope_io_kind_cancelled{kind=\"write\"}", "io_write_failed"},
    {"io_recv_cancelled", "cancelled", U::Operations, K::Counter, G::Io, &S::ioRecvCancelled,
     "Recv operations completed cancelled.", "poolscope_io_kind_cancelled{kind=\"recv\"}", "io_recv_failed"},
    {"io_send_cancelled", "cancelled", U::Operations, K::Counter, G::Io, &S::ioSendCancelled,
     "Send operations completed cancelled.", "poolscope_io_kind_cancelled{kind=\"send\"}", "io_send_failed"},
    {"io_accept_cancelled", "cancelled", U::Operations, K::Counter, G::Io, &S::ioAcceptCancelled,
     "Accept operations completed cancelled.", "poolscope_io_kind_cancelled{kind=\"accept\"}", "io_accept_failed"},
    {"state", "State", U::None, K::Name, G::Pool, stateMember, "Running, draining, failed or stopped.", ""},
    {"policy", "On exception", U::None, K::Name, G::Pool, policyMember, "The exception policy in force.", ""},
};

// name, member, help (see snapshotfields.h). The rates first: their keys shipped in this order.
constexpr SampleField SampleFields[] = {
    {"posts_per_s", &Sample::postsPerSecond, "Posts per second over the sample's interval."},
    {"completions_per_s", &Sample::completionsPerSecond, "Completions per second over the sample's interval."},
    {"failures_per_s", &Sample::failuresPerSecond, "Failures per second over the sample's interval."},
    {"average_running_threads", &Sample::averageRunning,
     "Threads running a unit (not blocked), time-weighted average over the interval."},
    {"average_blocked_threads", &Sample::averageBlocked,
     "Threads blocked inside a unit (BlockingScope), time-weighted average over the interval."},
    {"average_idle_threads", &Sample::averageIdle,
     "Threads waiting in dequeue, time-weighted average over the interval."},
    {"utilisation_percent", &Sample::utilisationPercent,
     "Average running threads as a share of those that may run, min(limit, average live), in percent."},
    // I/O on the pool's port over the interval (0 without I/O).
    {"io_completions_per_s", &Sample::ioCompletionsPerSecond, "I/O operations completed per second, all kinds."},
    {"io_read_completions_per_s", &Sample::ioReadCompletionsPerSecond, "Reads completed per second."},
    {"io_write_completions_per_s", &Sample::ioWriteCompletionsPerSecond, "Writes completed per second."},
    {"io_recv_completions_per_s", &Sample::ioRecvCompletionsPerSecond, "Recvs completed per second."},
    {"io_send_completions_per_s", &Sample::ioSendCompletionsPerSecond, "Sends completed per second."},
    {"io_accept_completions_per_s", &Sample::ioAcceptCompletionsPerSecond, "Accepts completed per second."},
    {"io_failures_per_s", &Sample::ioFailuresPerSecond, "I/O operations failed per second (cancellations aside)."},
    {"io_bytes_read_per_s", &Sample::ioBytesReadPerSecond, "Bytes per second moved by completed reads and recvs."},
    {"io_bytes_written_per_s", &Sample::ioBytesWrittenPerSecond,
     "Bytes per second moved by completed writes and sends."},
};

constexpr MetricFamilyHelp LabelledFamilies[] = {
    {"poolscope_workers", "Worker threads by state."},
    {"poolscope_worker_seconds", "Time the workers spent in each state, summed over the workers (0 when units are not timed)."},
    {"poolscope_io_kind_started", "I/O operations started, by kind."},
    {"poolscope_io_kind_completed", "I/O operations that completed, by kind."},
    {"poolscope_io_kind_failed", "I/O operations that failed, by kind."},
    {"poolscope_io_kind_cancelled", "I/O operations that completed cancelled, by kind."},
};

} // namespace

std::span<const SnapshotField> snapshotFields() noexcept { return Fields; }

std::span<const MetricFamilyHelp> labelledMetricFamilies() noexcept { return LabelledFamilies; }

std::span<const SampleField> sampleFields() noexcept { return SampleFields; }

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

FieldValue SnapshotField::metricValue(const PoolSnapshot &snapshot) const noexcept
{
    const FieldValue value = read(snapshot);
    if (unit != FieldUnit::Nanoseconds)
        return value;
    // Base units on /metrics: a duration in seconds (a whole ns count reads back exactly as
    // long as it is below 2^53 ns, 104 days of thread time).
    if (const auto *whole = std::get_if<std::uint64_t>(&value))
        return static_cast<double>(*whole) / 1e9;
    if (const auto *real = std::get_if<double>(&value))
        return *real / 1e9;
    return value;
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
