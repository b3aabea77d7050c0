#pragma once
// The sizes a sweep visits: worker counts x concurrency limits, parsed from one line of text.
//
// Grammar (spaces are ignored):
//   grid   = axis { "," axis }
//   axis   = name "=" values          name: "workers" or "concurrency"
//   values = item { "," item }         a comma followed by "name=" starts the next axis
//   item   = N                         one value
//          | A ".." B                  doubling from A: A, 2A, 4A ... and B itself
//                                       (1..32 = 1,2,4,8,16,32; 3..20 = 3,6,12,20; 0..8 = 0,1,2,4,8)
//          | A ".." B ":" S            from A to B in steps of S (2..8:2 = 2,4,6,8)
// Examples: "workers=1..32,concurrency=0,2,4"; "workers=2..16:2"; "concurrency=0..8".
// An axis left out takes the one value the load as configured has. Values are sorted and
// duplicates dropped. Workers are 1..MaxWorkers (a pool of 0 runs nothing), concurrency
// 0..MaxConcurrency (0 = the number of processors), at most MaxPoints points in all.

#include "workerpool.h"

#include <string>
#include <string_view>
#include <vector>

namespace poolscope {

struct SweepGrid {
    static constexpr unsigned MaxWorkers = WorkerPool::MaxWorkers; // a point is a pool
    static constexpr unsigned MaxConcurrency = WorkerPool::MaxWorkers;
    static constexpr std::size_t MaxPoints = 1024;

    std::vector<unsigned> workers;     // ascending, no duplicates, never empty once parsed
    std::vector<unsigned> concurrency; // ascending, no duplicates, never empty once parsed

    std::size_t pointCount() const noexcept { return workers.size() * concurrency.size(); }
    // The grid in the syntax above, every value listed ("workers=1,2,4,concurrency=0,2"):
    // parses back to the same grid. Thread-safe.
    std::string text() const;

    friend bool operator==(const SweepGrid &, const SweepGrid &) = default;
};

// Parses `text`; an axis it does not name gets `defaultWorkers` / `defaultConcurrency`.
// False with `error` naming the bad part and why, e.g.
//   "sweep grid: 'workers=1..x': 'x' is not a whole number"; `grid` is then unchanged.
// Thread-safe: a pure function.
bool parseSweepGrid(std::string_view text, unsigned defaultWorkers, unsigned defaultConcurrency, SweepGrid &grid,
                    std::string &error);

} // namespace poolscope
