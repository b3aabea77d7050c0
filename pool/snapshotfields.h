#pragma once
// The one table of PoolSnapshot's fields: every writer and reader of a snapshot walks it.
//
//   JSON ("counters" and each "history" entry)  pool/runreport.cpp      writeJson()
//   CSV header and rows                         pool/metricsexport.cpp  writeCsv()
//   OpenMetrics / Prometheus text               pool/metricsexport.cpp  writeMetrics()
//   the snapshot reader (File -> Open)          ui/snapshotreader.cpp   readSnapshot()
//   the counters panel                          ui/counterspanel.cpp    CountersPanel
//
// A Sample's own figures over its interval (rates, average threads, utilisation) have a
// smaller table of their own, sampleFields() below, used the same way by the same writers.
//
// ADDING A FIELD: add the member to PoolSnapshot (poolsnapshot.h), fill it in the code that
// builds the snapshot, then add ONE row to the table in snapshotfields.cpp. Nothing else:
// the JSON key, the CSV column, the /metrics family, the reader's type and range check and
// the panel's row all come from that row. Example (an I/O counter):
//
//   {"io_completed", "I/O completed", FieldUnit::Operations, FieldKind::Counter, FieldGroup::Io,
//    &PoolSnapshot::ioCompleted, "I/O operations that completed.", "poolscope_io_completed"},
//
// What each column means (SnapshotField below):
//  - name: snake_case; the JSON key and the CSV column. Never rename one that shipped: it
//    is the file format (docs/snapshot-format.md). New fields go at the end of their group's
//    rows or at the end of the table; order is the order of JSON keys and CSV columns.
//  - label: the counters panel's row title, short ("In flight").
//  - unit: what one of it is; the panel formats by it (counts grouped, ns as durations).
//  - kind: Counter = monotonic since the pool started (OpenMetrics `counter`, `_total`);
//          Gauge = a value now, or a peak (OpenMetrics `gauge`);
//          Name = an enum shown as its name (state, policy); not in OpenMetrics.
//  - group: the panel's section.
//  - member: how to read it from the struct: a pointer to a std::uint64_t, std::uint32_t or
//    double member, or a NamedMember (read as text, parsed back) for enums. The reader
//    range-checks integers against the member's type, so a uint32 field refuses 2^32.
//  - help: one sentence, ends with a full stop: the /metrics HELP line and the panel's tooltip.
//  - metric: the /metrics family, e.g. "poolscope_units_posted" (counters get "_total" from
//    the writer; do not write it here). A Nanoseconds field is written in seconds
//    (metricValue()), so its family ends in "_seconds": poolscope_worker_seconds_total. Empty: not exported to /metrics. A family with a
//    label is written "poolscope_workers{state=\"idle\"}"; its rows must be adjacent in the
//    table, and the family's HELP line comes from labelledMetricFamilies() below (add one
//    row there when you start a new labelled family).
//  - sharesRowWith: the name of an earlier row; the panel shows both in that row as "a / b"
//    (Target / live, Parks / wakes), and this field's label is the part after " / ", so it
//    is written in lower case ("live"). Empty: a row of its own.
//
// Tests: tests/pool/tst_snapshotfields checks the table's own rules (unique names, snake_case,
// helps end with '.', labelled families adjacent and helped, shared rows exist); the
// writers' and reader's tests check the round trip of every row.
//
// Thread-safety: the table is immutable after static initialisation; every function here is
// a pure function of its arguments. Thread-safe.

#include "poolsnapshot.h"
#include "sampler.h"

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

namespace poolscope {

enum class FieldKind : std::uint8_t { Counter, Gauge, Name };

enum class FieldUnit : std::uint8_t {
    WorkUnits,   // work units (items of work)
    Threads,     // threads
    Events,      // occurrences (parks, wakes)
    Reports,     // exception reports
    Operations,  // I/O operations
    Bytes,       // bytes
    Nanoseconds, // a time in ns (a duration or a sum of them)
    Percent,     // 0..100
    None,        // a name (state, policy)
};

std::string_view nameOf(FieldUnit unit) noexcept; // "work units", "threads", ... "" for None

enum class FieldGroup : std::uint8_t { WorkUnits, Threads, Io, Alerts, Pool };

std::string_view titleOf(FieldGroup group) noexcept; // the panel's section title: "Work units"

// An enum field: written as its name, read back by parse (false: not a name it knows).
struct NamedMember {
    std::string_view (*read)(const PoolSnapshot &) noexcept;
    bool (*parse)(std::string_view name, PoolSnapshot &target) noexcept;
};

using FieldMember =
    std::variant<std::uint64_t PoolSnapshot::*, std::uint32_t PoolSnapshot::*, double PoolSnapshot::*, NamedMember>;

// A field's value as read from a snapshot: whole numbers stay exact.
using FieldValue = std::variant<std::uint64_t, double, std::string_view>;

struct SnapshotField {
    std::string_view name;
    std::string_view label;
    FieldUnit unit;
    FieldKind kind;
    FieldGroup group;
    FieldMember member;
    std::string_view help;
    std::string_view metric;
    std::string_view sharesRowWith = {};

    FieldValue read(const PoolSnapshot &snapshot) const noexcept; // Thread-safe.
    // The value as /metrics writes it, in base units: Nanoseconds as seconds (a double),
    // anything else as read(). Thread-safe.
    FieldValue metricValue(const PoolSnapshot &snapshot) const noexcept;
    std::string_view metricFamily() const noexcept;               // metric without its {label}
    std::string_view metricLabels() const noexcept;               // `state="idle"`, or empty
};

// Every field of PoolSnapshot that is exported or shown, in export order. timestampNs is not
// in it: it is written as the history's time_s. Thread-safe.
std::span<const SnapshotField> snapshotFields() noexcept;

// The field called `name`, or nullptr. Thread-safe.
const SnapshotField *findSnapshotField(std::string_view name) noexcept;

// The figures of a Sample (sampler.h) over its interval that are not PoolSnapshot fields:
// its rates and its time-weighted thread occupancy. Written after the counters in each JSON
// history entry and each CSV row (pool/runreport.cpp, pool/metricsexport.cpp), read back by
// ui/snapshotreader.cpp; a saved run's charts draw them. Not on /metrics: a scraper takes
// rates and averages from the counters (poolscope_worker_seconds_total and the units').
// ADDING ONE: the member to Sample, the code that fills it, one row here. The name is the
// JSON key and the CSV column, snake_case, never renamed once shipped (it is the format).
struct SampleField {
    std::string_view name;
    double Sample::*member;
    std::string_view help; // one sentence, ends with a full stop (docs, tooltips)
};
std::span<const SampleField> sampleFields() noexcept; // Thread-safe.

// HELP text of the labelled /metrics families (rows whose metric has a {label}).
struct MetricFamilyHelp {
    std::string_view family;
    std::string_view help;
};
std::span<const MetricFamilyHelp> labelledMetricFamilies() noexcept; // Thread-safe.

} // namespace poolscope
