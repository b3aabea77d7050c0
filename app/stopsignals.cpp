#include "stopsignals.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

std::atomic<int> requested{0};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler may only touch lock-free atomics");

void setDisposition(int signal, void (*handler)(int))
{
    struct sigaction action {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART; // a first signal must not fail a write() of the exports with EINTR
    sigaction(signal, &action, nullptr);
}

extern "C" void onStopSignal(int signal)
{
    int none = 0;
    requested.compare_exchange_strong(none, signal, std::memory_order_relaxed);
    // The next SIGINT or SIGTERM, whichever comes, kills: a stuck run can always be ended.
    setDisposition(SIGINT, SIG_DFL);
    setDisposition(SIGTERM, SIG_DFL);
}

} // namespace

void installStopSignals()
{
    setDisposition(SIGINT, onStopSignal);
    setDisposition(SIGTERM, onStopSignal);
}

int stopRequested() noexcept { return requested.load(std::memory_order_relaxed); }

void restoreStopSignals()
{
    setDisposition(SIGINT, SIG_DFL);
    setDisposition(SIGTERM, SIG_DFL);
}

void testHoldPoint(const char *point)
{
    const char *hold = std::getenv("POOLSCOPE_TEST_HOLD");
    if (!hold)
        return;
    const bool forever = std::string(hold) == std::string(point) + "-forever";
    if (!forever && std::strcmp(hold, point) != 0)
        return;
    std::fprintf(stderr, "poolscope: test hold at %s\n", point);
    std::fflush(stderr);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < until && (forever || stopRequested() == 0))
        std::this_thread::sleep_for(std::chrono::milliseconds(5)); // a test hook, not synchronisation
}
