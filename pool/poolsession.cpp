#include "poolsession.h"

namespace poolscope {

PoolSession::PoolSession(WorkerPoolOptions options, SamplerOptions samplerOptions)
    : m_options(std::move(options)), m_pool(std::make_unique<WorkerPool>(m_options)), m_load(m_pool.get()),
      m_sampler(samplerOptions)
{
    m_sampler.setSource(Sampler::sourceFor(*m_pool));
    m_sampler.start();
}

PoolSession::~PoolSession()
{
    m_load.stop();
    m_sampler.stop(); // before the pool it reads goes
}

void PoolSession::setWorkerCount(int count)
{
    m_pool->setWorkerCount(count);
    m_options.workers = static_cast<unsigned>(count);
}

void PoolSession::setConcurrency(int concurrency)
{
    m_pool->setConcurrency(concurrency);
    m_options.concurrency = static_cast<unsigned>(concurrency);
}

void PoolSession::setExceptionPolicy(ExceptionPolicy policy)
{
    m_pool->setExceptionPolicy(policy);
    m_options.policy = policy;
}

ShutdownResult PoolSession::shutdown(ShutdownMode mode, std::chrono::nanoseconds deadline)
{
    m_load.stop();
    return m_pool->shutdown(mode, deadline);
}

void PoolSession::restart()
{
    m_load.stop();
    auto fresh = std::make_unique<WorkerPool>(m_options);
    m_sampler.setSource(Sampler::sourceFor(*fresh)); // the old pool is no longer read after this
    m_load.setPool(fresh.get());
    m_pool = std::move(fresh); // the old pool shuts down (fast) and joins here
}

} // namespace poolscope
