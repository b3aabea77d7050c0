#pragma once
// The contenders of peer_bench, each behind the same small interface: start two workers,
// post a task {function, context}, stop. Every one gets its natural fast path.

#include "sampler.h"
#include "workerpool.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <concurrentqueue/blockingconcurrentqueue.h>
#include <concurrentqueue/concurrentqueue.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct Task {
    void (*function)(void *) = nullptr;
    void *context = nullptr;
};

class Contender {
public:
    virtual ~Contender() = default;
    virtual std::string name() const = 0;
    virtual void start(unsigned workers) = 0;
    virtual void post(Task task) = 0; // called from any producer thread
    virtual void stop() = 0;          // joins; every posted task has run before
};

// Poolscope's pool, optionally with latency timing on and with a Sampler watching it at
// 60 Hz (what the app runs with no window open).
class PoolscopeContender final : public Contender {
public:
    struct Variant {
        bool latency = false;
        bool sampler = false;
        bool shortSlice = false; // workers ask for a 100 us time slice (WorkerPoolOptions::timeSlice)
        bool adaptiveSlice = true; // WorkerPoolOptions::adaptiveTimeSlice
    };
    explicit PoolscopeContender(Variant variant) : m_variant(variant) {}
    std::string name() const override
    {
        return std::string("poolscope") + (m_variant.latency ? " +latency" : "") + (m_variant.sampler ? " +sampler" : "") +
               (m_variant.shortSlice ? " +slice" : "") + (m_variant.adaptiveSlice ? "" : " -adaptive");
    }
    void start(unsigned workers) override
    {
        m_pool = std::make_unique<poolscope::WorkerPool>(poolscope::WorkerPoolOptions{
            .workers = workers,
            .concurrency = workers,
            .measureLatency = m_variant.latency,
            .timeSlice = std::chrono::microseconds(m_variant.shortSlice ? 100 : 0),
            .adaptiveTimeSlice = m_variant.adaptiveSlice});
        if (m_variant.sampler) {
            m_sampler = std::make_unique<poolscope::Sampler>(poolscope::SamplerOptions{.rateHz = 60});
            m_sampler->setSource(poolscope::Sampler::sourceFor(*m_pool));
            m_sampler->start();
        }
    }
    void post(Task task) override
    {
        m_pool->post(task.function, task.context);
    }
    void stop() override
    {
        m_sampler.reset(); // stops sampling before the pool it reads goes away
        m_pool->shutdown(poolscope::ShutdownMode::Graceful);
        m_pool.reset();
    }

private:
    Variant m_variant;
    std::unique_ptr<poolscope::WorkerPool> m_pool;
    std::unique_ptr<poolscope::Sampler> m_sampler;
};

class AsioContender final : public Contender {
public:
    std::string name() const override { return "asio::thread_pool"; }
    void start(unsigned workers) override { m_pool = std::make_unique<boost::asio::thread_pool>(workers); }
    void post(Task task) override { boost::asio::post(*m_pool, [task] { task.function(task.context); }); }
    void stop() override
    {
        m_pool->join();
        m_pool.reset();
    }

private:
    std::unique_ptr<boost::asio::thread_pool> m_pool;
};

class TbbContender final : public Contender {
public:
    std::string name() const override { return "oneTBB task_arena"; }
    void start(unsigned workers) override
    {
        // Workers only, none reserved for the producing thread, which never joins the arena.
        m_limit = std::make_unique<oneapi::tbb::global_control>(oneapi::tbb::global_control::max_allowed_parallelism,
                                                                 workers + 1);
        m_arena = std::make_unique<oneapi::tbb::task_arena>(static_cast<int>(workers), 0);
        m_arena->initialize();
    }
    void post(Task task) override { m_arena->enqueue([task] { task.function(task.context); }); }
    void stop() override
    {
        m_arena.reset(); // the caller waited for every task already
        m_limit.reset();
    }

private:
    std::unique_ptr<oneapi::tbb::global_control> m_limit;
    std::unique_ptr<oneapi::tbb::task_arena> m_arena;
};

class MoodycamelContender final : public Contender {
public:
    std::string name() const override { return "moodycamel blocking queue"; }
    void start(unsigned workers) override
    {
        for (unsigned i = 0; i < workers; ++i)
            m_threads.emplace_back([this] {
                Task task;
                for (;;) {
                    m_queue.wait_dequeue(task);
                    if (task.function == nullptr)
                        return;
                    task.function(task.context);
                }
            });
    }
    void post(Task task) override { m_queue.enqueue(task); }
    void stop() override
    {
        for (std::size_t i = 0; i < m_threads.size(); ++i)
            m_queue.enqueue(Task{});
        for (auto &thread : m_threads)
            thread.join();
        m_threads.clear();
    }

private:
    moodycamel::BlockingConcurrentQueue<Task> m_queue;
    std::vector<std::thread> m_threads;
};

class CondvarContender final : public Contender {
public:
    std::string name() const override { return "mutex+condvar"; }
    void start(unsigned workers) override
    {
        m_stopping = false;
        for (unsigned i = 0; i < workers; ++i)
            m_threads.emplace_back([this] {
                for (;;) {
                    Task task;
                    {
                        std::unique_lock lock(m_mutex);
                        m_ready.wait(lock, [this] { return m_stopping || !m_tasks.empty(); });
                        if (m_tasks.empty())
                            return;
                        task = m_tasks.front();
                        m_tasks.pop_front();
                    }
                    task.function(task.context);
                }
            });
    }
    void post(Task task) override
    {
        {
            std::lock_guard lock(m_mutex);
            m_tasks.push_back(task);
        }
        m_ready.notify_one();
    }
    void stop() override
    {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_ready.notify_all();
        for (auto &thread : m_threads)
            thread.join();
        m_threads.clear();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<Task> m_tasks;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

// The limit: no blocking at all, workers spin on a lock-free queue.
class BusyPollContender final : public Contender {
public:
    std::string name() const override { return "busy-poll limit"; }
    void start(unsigned workers) override
    {
        m_stopping = false;
        for (unsigned i = 0; i < workers; ++i)
            m_threads.emplace_back([this] {
                Task task;
                while (!m_stopping.load(std::memory_order_relaxed)) {
                    if (m_queue.try_dequeue(task))
                        task.function(task.context);
                }
                while (m_queue.try_dequeue(task))
                    task.function(task.context);
            });
    }
    void post(Task task) override { m_queue.enqueue(task); }
    void stop() override
    {
        m_stopping = true;
        for (auto &thread : m_threads)
            thread.join();
        m_threads.clear();
    }

private:
    moodycamel::ConcurrentQueue<Task> m_queue;
    std::atomic<bool> m_stopping{false};
    std::vector<std::thread> m_threads;
};
