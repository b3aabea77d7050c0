#pragma once

#include "loadgenerator.h"
#include "sampler.h"
#include "workerpool.h"

#include <memory>

namespace poolscope {

// One monitored run: a WorkerPool with the LoadGenerator that feeds it and the Sampler that
// records it, and the pool settings to restart it with. The app owns one; its controls call
// these methods, its charts read the sampler.
//
// Threading: owner thread only (the GUI thread), except shutdown(), which may run on a
// helper thread so that a long drain does not freeze a window; nothing else may be called
// on the session until it returns.
class PoolSession {
public:
    explicit PoolSession(WorkerPoolOptions options = {}, SamplerOptions samplerOptions = {});
    ~PoolSession();
    PoolSession(const PoolSession &) = delete;
    PoolSession &operator=(const PoolSession &) = delete;

    WorkerPool &pool() noexcept { return *m_pool; }
    const WorkerPool &pool() const noexcept { return *m_pool; }
    LoadGenerator &load() noexcept { return m_load; }
    Sampler &sampler() noexcept { return m_sampler; }
    const Sampler &sampler() const noexcept { return m_sampler; }

    // Forwarded to the pool and remembered for restart(). Throw what the pool throws.
    void setWorkerCount(int count);
    void setConcurrency(int concurrency);
    void setExceptionPolicy(ExceptionPolicy policy);
    const WorkerPoolOptions &options() const noexcept { return m_options; }

    // Stops the load, then shuts the pool down (see WorkerPool::shutdown).
    ShutdownResult shutdown(ShutdownMode mode, std::chrono::nanoseconds deadline);

    // Replaces a stopped or failed pool by a fresh one with the remembered settings; the
    // sampler's history goes on. Exception reports of the old pool that were not drained
    // are dropped with it.
    void restart();

private:
    WorkerPoolOptions m_options;
    std::unique_ptr<WorkerPool> m_pool;
    LoadGenerator m_load;
    Sampler m_sampler;
};

} // namespace poolscope
