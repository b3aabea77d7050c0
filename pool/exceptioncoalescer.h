#pragma once
// Identical exceptions (type + message) counted as one row: what the GUI's exception log,
// the headless run and every export show. One implementation, so that the two front ends
// can never disagree on what "the same exception" is or on how many rows a flood makes.

#include "exceptionreport.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace poolscope {

// Identical exceptions (type + message) coalesced, as the exception log shows them.
struct ExceptionSummary {
    std::string typeName;
    std::string message;
    std::uint64_t count = 0;
    std::chrono::system_clock::time_point first;
    std::chrono::system_clock::time_point last;
    std::vector<std::uint32_t> workers; // ascending, each once
};

// Rows in the order their kind first appeared. Past `maxKinds` distinct kinds, further new
// kinds are counted in one last "(other)" row, so a flood of distinct messages costs bounded
// memory and the total stays exact.
//
// Threading: a plain value; one thread at a time (the owner's).
class ExceptionCoalescer {
public:
    static constexpr std::size_t DefaultMaxKinds = 10'000;
    static constexpr const char *OtherType = "(other)";
    static constexpr const char *OtherMessage = "more distinct exceptions than the log keeps rows for";

    explicit ExceptionCoalescer(std::size_t maxKinds = DefaultMaxKinds) : m_maxKinds(maxKinds) {}

    // Counts one report; returns the row it went into (a new row is rows().size() - 1).
    std::size_t add(const ExceptionReport &report);
    // Adds a saved row as it is (a snapshot's exceptions), merging with a row of its kind.
    std::size_t add(const ExceptionSummary &summary);

    const std::vector<ExceptionSummary> &rows() const noexcept { return m_rows; }
    std::uint64_t total() const noexcept { return m_total; }
    std::size_t maxKinds() const noexcept { return m_maxKinds; }
    void clear();

private:
    std::size_t rowFor(const std::string &typeName, const std::string &message,
                       std::chrono::system_clock::time_point first);

    std::size_t m_maxKinds;
    std::vector<ExceptionSummary> m_rows;
    std::unordered_map<std::string, std::size_t> m_rowOfKey;
    std::uint64_t m_total = 0;
};

} // namespace poolscope
