#pragma once
// The I/O side of a run's load: the echo server and its clients, and the file reads, on the
// pool's own IoService, following IoLoadSettings live.

#include "echoclients.h"
#include "echoserver.h"
#include "filereadload.h"
#include "ioloadsettings.h"
#include "ioservice.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace poolscope {

// What the I/O load has done in its run, as plain values. The clients' figures grow when a
// client run ends (a settings change, a pause, the end); the server's and the reads' live.
struct IoLoadStats {
    bool echoRunning = false;
    bool fileReadsRunning = false;
    EchoServerCounters server;      // summed over the servers of the run
    std::uint64_t clientConnectFailures = 0;
    std::uint64_t clientMessagesEchoed = 0;
    std::uint64_t clientResets = 0; // resets, broken pipes and closes by the server
    std::uint64_t clientMismatches = 0;
    FileReadCounters reads;         // summed over the readers of the run
    std::string problem;            // why a part does not run (the scratch file could not be made, ...)
};

// Drives the echo and file parts of IoLoadSettings on one IoService (the pool's): apply()
// changes them live; a changed client setting restarts the clients, a changed block size or
// read count replaces the reader. Parts that are switched off or replaced stop issuing at
// once; their records come back through the pool's workers, and the drivers are destroyed
// once they are quiet (at the next apply(), or by the destructor).
//
// Threading: owned by one thread (the session's owner); apply(), setRunning() and
// stopIssuing() are owner-thread verbs that never wait for the pool's workers (stopping the
// clients joins their thread: at most ~10 ms). stats() is thread-safe.
//
// Errors are data: a scratch file that cannot be made leaves the reads off and says why in
// stats().problem; the rest runs on. Connection failures are counted by the drivers.
//
// Destruction: stops issuing, then waits until every record is back. Destroy it after the
// pool's shutdown() or cancelQueued() (which hand every record back), before the pool.
class IoLoad {
public:
    explicit IoLoad(IoService &io);
    ~IoLoad();
    IoLoad(const IoLoad &) = delete;
    IoLoad &operator=(const IoLoad &) = delete;

    // Takes the settings (validated by the caller) and, while running, starts, restarts or
    // stops the parts to match. Returns a message when a part could not start (the scratch
    // file), else empty. Owner thread only.
    std::string apply(const IoLoadSettings &settings);
    // Running: issue I/O as the settings say; not running: issue none (the server keeps
    // its listener). Returns apply()'s message. Owner thread only.
    std::string setRunning(bool running);
    // Stops every part for good (the run ends): clients joined, listener and connections
    // closed, reads stopped. Later calls to apply() and setRunning() do nothing. Owner thread only.
    void stopIssuing();

    IoLoadStats stats() const; // Thread-safe. Never blocks a worker.

private:
    void startClients();
    void stopClients();
    void stopEcho();
    void stopReads();
    void releaseQuietDrivers();
    std::string reconcile();

    IoService &m_io;
    IoLoadSettings m_settings;
    bool m_running = false;
    bool m_ended = false;

    // Owner thread only, except under m_mutex where stats() reads them.
    mutable std::mutex m_mutex;
    std::unique_ptr<EchoServer> m_server;
    std::unique_ptr<ScratchFile> m_scratch;
    std::unique_ptr<FileReadLoad> m_reads;
    std::vector<std::unique_ptr<EchoServer>> m_stoppedServers; // records still coming back
    std::vector<std::unique_ptr<FileReadLoad>> m_stoppedReads;
    EchoServerCounters m_serversBefore; // of servers already destroyed
    FileReadCounters m_readsBefore;
    IoLoadStats m_clientTotals;         // the client fields only
    std::string m_problem;

    std::thread m_clients;
    std::atomic<bool> m_stopClients{false};
    std::atomic<bool> m_clientsRunning{false}; // m_clients is joinable: for stats()
    std::condition_variable m_clientWake; // under m_mutex: ends a back-off between client runs
};

} // namespace poolscope
