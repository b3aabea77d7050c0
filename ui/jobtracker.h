#pragma once

#include <QMetaObject>
#include <QObject>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

// Runs work off the GUI thread and brings its result back with a queued call (Hotspot's
// jobtracker shape): the one place where the GUI hands waiting or writing to another thread.
//
// A job never waits behind another: a long one (a drain) must not hold up a short one (a file
// write), so a job that finds every helper thread busy starts one more. Helpers are kept, idle,
// until the tracker goes: the GUI thread never joins a thread while it works, since a join
// waits for the scheduler to let the other thread finish exiting, which on a loaded machine
// takes as long as it likes. dropStaleResults() makes every job started before it stale: its
// work still runs to the end, but its result is dropped.
//
// Threading: owned by a QObject (`context`) and used on that object's thread only; results
// are delivered there. Work must not throw (catch inside and return the error as a value).
// Destruction waits for jobs still running (their results are dropped) and joins the helpers.
class JobTracker {
public:
    explicit JobTracker(QObject *context) : m_context(context) {}
    ~JobTracker()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_wake.notify_all();
        for (std::thread &helper : m_helpers)
            helper.join();
    }
    JobTracker(const JobTracker &) = delete;
    JobTracker &operator=(const JobTracker &) = delete;

    // Runs `work()` on a helper thread, then `done(result)` on the context's thread unless the
    // job went stale meanwhile.
    template <typename Work, typename Done>
    void startJob(Work work, Done done)
    {
        using Result = std::invoke_result_t<Work &>;
        const std::uint64_t generation = m_generation;
        ++m_running;
        enqueue([this, generation, work = std::move(work), done = std::move(done)]() mutable {
            Result result = work();
            QMetaObject::invokeMethod(
                m_context,
                [this, generation, result = std::move(result), done = std::move(done)]() mutable {
                    --m_running;
                    if (generation == m_generation)
                        done(std::move(result));
                },
                Qt::QueuedConnection);
        });
    }

    void dropStaleResults() noexcept { ++m_generation; }
    // A job started and its result not yet delivered (or dropped).
    bool isBusy() const noexcept { return m_running > 0; }

private:
    void enqueue(std::function<void()> job)
    {
        std::lock_guard lock(m_mutex);
        m_jobs.push_back(std::move(job));
        if (m_idle < m_jobs.size())
            m_helpers.emplace_back([this] { serve(); });
        else
            m_wake.notify_one();
    }

    void serve()
    {
        std::unique_lock lock(m_mutex);
        for (;;) {
            ++m_idle;
            m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
            --m_idle;
            if (m_jobs.empty())
                return; // stopping, and nothing left to run
            std::function<void()> job = std::move(m_jobs.front());
            m_jobs.pop_front();
            lock.unlock();
            job();
            lock.lock();
        }
    }

    QObject *m_context;
    std::uint64_t m_generation = 0; // context's thread only
    int m_running = 0;              // context's thread only

    // Shared with the helpers.
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::function<void()>> m_jobs;
    std::vector<std::thread> m_helpers; // appended under m_mutex, joined by the destructor
    std::size_t m_idle = 0;             // helpers waiting for a job
    bool m_stopping = false;
};
