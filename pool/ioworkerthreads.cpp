#include "ioworkerthreads.h"

#include "iocompletiontarget.h"
#include "platform.h"

#include <string>

namespace poolscope {

IoWorkerThreads::IoWorkerThreads(CompletionPort &port, unsigned count)
    : m_port(port)
{
    m_threads.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
        m_threads.emplace_back([this] {
            for (;;) {
                const DequeueResult result = m_port.dequeue();
                if (result.outcome == DequeueOutcome::Closed)
                    break;
                if (result.outcome == DequeueOutcome::UserPosted) {
                    if (result.packet.key == StopKey)
                        break;
                    continue;
                }
                IoCompletionTarget::dispatch(result);
            }
            m_port.leave();
        });
        platform::nameThread(m_threads.back(), "pool-io-" + std::to_string(i));
    }
}

IoWorkerThreads::~IoWorkerThreads()
{
    stop();
}

void IoWorkerThreads::stop()
{
    for (std::size_t i = 0; i < m_threads.size(); ++i)
        m_port.post({StopKey, nullptr, 0, 0}); // refused by a closed port: its threads end anyway
    for (std::thread &thread : m_threads)
        thread.join();
    m_threads.clear();
}

} // namespace poolscope
