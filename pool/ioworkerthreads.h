#pragma once
// Worker threads that serve a port's I/O packets, for the I/O load drivers, their tests and
// the benchmark's bare-port rows. (A WorkerPool with serveIo dispatches its own.)

#include "completionport.h"

#include <cstdint>
#include <thread>
#include <vector>

namespace poolscope {

// `count` threads, each looping on port.dequeue() and handing every I/O packet to its
// IoCompletionTarget (the key). A user-posted packet with key StopKey ends one thread;
// other user-posted packets are ignored. Closing the port ends them all.
//
// Threading: constructed and stopped by its owner thread; stop() and the destructor post
// one StopKey packet per thread (one LIFO wake each) and join. Owner thread only.
class IoWorkerThreads {
public:
    static constexpr std::uintptr_t StopKey = 0x5701;

    IoWorkerThreads(CompletionPort &port, unsigned count);
    ~IoWorkerThreads();
    IoWorkerThreads(const IoWorkerThreads &) = delete;
    IoWorkerThreads &operator=(const IoWorkerThreads &) = delete;

    void stop(); // Owner thread only. Returns when every thread has exited.

private:
    CompletionPort &m_port;
    std::vector<std::thread> m_threads;
};

} // namespace poolscope
