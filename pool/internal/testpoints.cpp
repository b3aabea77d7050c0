#include "testpoints.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

namespace poolscope::testpoints {

namespace {

struct Point {
    int pausesLeft = 0;
    int pausedNow = 0;
    std::uint64_t releases = 0; // a stopped thread goes on when this changes
    int hits = 0;
    std::function<void(int)> action;
};

// Entries are never erased, so a stopped thread's reference stays valid across reset().
struct Registry {
    std::mutex mutex;
    std::condition_variable changed;
    std::map<std::string, Point, std::less<>> points;
    std::atomic<bool> armed{false};

    Point &pointLocked(std::string_view name)
    {
        auto found = points.find(name);
        if (found == points.end())
            found = points.emplace(std::string(name), Point{}).first;
        return found->second;
    }
};

Registry &registry()
{
    static Registry instance; // never destroyed before the threads that may reach a point
    return instance;
}

} // namespace

void pauseAt(std::string_view name, int count)
{
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    r.pointLocked(name).pausesLeft += count;
    r.armed.store(true, std::memory_order_release);
}

bool waitUntilPaused(std::string_view name, std::chrono::milliseconds timeout)
{
    Registry &r = registry();
    std::unique_lock lock(r.mutex);
    Point &point = r.pointLocked(name);
    return r.changed.wait_for(lock, timeout, [&] { return point.pausedNow > 0; });
}

void release(std::string_view name)
{
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    Point &point = r.pointLocked(name);
    point.pausesLeft = 0;
    // Released threads stop counting at once, not when they next run: a pause armed right
    // after this is waited for anew, not found in a thread that has yet to leave the point.
    point.pausedNow = 0;
    ++point.releases;
    r.changed.notify_all();
}

void onReach(std::string_view name, std::function<void(int hit)> action)
{
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    Point &point = r.pointLocked(name);
    point.action = std::move(action);
    point.hits = 0;
    r.armed.store(true, std::memory_order_release);
}

void reset()
{
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    r.armed.store(false, std::memory_order_release);
    for (auto &[name, point] : r.points) {
        point.pausesLeft = 0;
        point.pausedNow = 0;
        point.hits = 0;
        point.action = nullptr;
        ++point.releases;
    }
    r.changed.notify_all();
}

void reached(std::string_view name)
{
    Registry &r = registry();
    if (!r.armed.load(std::memory_order_acquire))
        return;
    std::function<void(int)> action;
    int hit = 0;
    {
        std::lock_guard lock(r.mutex);
        auto found = r.points.find(name);
        if (found == r.points.end())
            return;
        if (found->second.action) {
            action = found->second.action;
            hit = ++found->second.hits;
        }
    }
    if (action)
        action(hit); // outside the lock: it may itself reach points or wait for the test

    std::unique_lock lock(r.mutex);
    auto found = r.points.find(name);
    if (found == r.points.end() || found->second.pausesLeft == 0)
        return;
    Point &point = found->second;
    --point.pausesLeft;
    ++point.pausedNow;
    const std::uint64_t releases = point.releases;
    r.changed.notify_all();
    r.changed.wait(lock, [&] { return point.releases != releases; }); // release() uncounted it
}

} // namespace poolscope::testpoints
