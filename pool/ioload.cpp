#include "ioload.h"

#include "platform.h"

#include <algorithm>
#include <exception>
#include <utility>

namespace poolscope {

namespace {

// The reads wrap around a file of this size: big enough that blocks of every allowed size
// (up to 1 MiB) land at different offsets, small enough to make in a few milliseconds.
constexpr std::uint64_t ScratchFileBytes = 8u << 20;

void addInto(EchoServerCounters &sum, const EchoServerCounters &c)
{
    sum.accepted += c.accepted;
    sum.refused += c.refused;
    sum.closed += c.closed;
    sum.messages += c.messages;
    sum.bytesEchoed += c.bytesEchoed;
    sum.acceptFailures += c.acceptFailures;
    sum.resets += c.resets;
    sum.otherFailures += c.otherFailures;
}

void addInto(FileReadCounters &sum, const FileReadCounters &c)
{
    sum.reads += c.reads;
    sum.bytes += c.bytes;
    sum.failures += c.failures;
    sum.cancelled += c.cancelled;
    sum.mismatches += c.mismatches;
}

bool sameClients(const IoLoadSettings &a, const IoLoadSettings &b)
{
    return a.connections == b.connections && a.messageBytes == b.messageBytes
           && a.messagesPerSecond == b.messagesPerSecond && a.thinkTime == b.thinkTime;
}

bool sameReads(const IoLoadSettings &a, const IoLoadSettings &b)
{
    return a.blockBytes == b.blockBytes && a.readsOutstanding == b.readsOutstanding
           && a.scratchFolder == b.scratchFolder;
}

} // namespace

IoLoad::IoLoad(IoService &io) : m_io(io) {}

IoLoad::~IoLoad()
{
    stopIssuing();
    std::lock_guard lock(m_mutex);
    // Each destructor waits until its driver's records are back (see the class comment).
    m_stoppedServers.clear();
    m_stoppedReads.clear();
    m_scratch.reset();
}

std::string IoLoad::apply(const IoLoadSettings &settings)
{
    const IoLoadSettings before = std::exchange(m_settings, settings);
    if (m_ended)
        return {};
    // Replace what changed: restart the clients, a new reader; the rest carries on.
    if (m_clients.joinable() && !sameClients(before, settings))
        stopClients();
    if (m_reads && !sameReads(before, settings))
        stopReads();
    if (m_scratch && before.scratchFolder != settings.scratchFolder) {
        std::lock_guard lock(m_mutex);
        m_scratch.reset(); // the reader on it was stopped above
    }
    if (m_server)
        m_server->setCostPerMessage(settings.costPerMessage);
    return reconcile();
}

std::string IoLoad::setRunning(bool running)
{
    m_running = running;
    return m_ended ? std::string() : reconcile();
}

void IoLoad::stopIssuing()
{
    m_ended = true;
    m_running = false;
    stopClients();
    stopEcho();
    stopReads();
}

std::string IoLoad::reconcile()
{
    releaseQuietDrivers();
    std::string problem;
    // Echo: the server lives while echo is on; its clients run while the load runs.
    if (m_settings.echo && !m_server) {
        try {
            EchoServerOptions options;
            options.costPerMessage = m_settings.costPerMessage;
            auto server = std::make_unique<EchoServer>(m_io, options);
            std::lock_guard lock(m_mutex);
            m_server = std::move(server);
        } catch (const std::exception &error) {
            problem = std::string("the echo load is off: ") + error.what();
        }
    }
    if (!m_settings.echo)
        stopEcho();
    if (m_server && m_running && !m_clients.joinable())
        startClients();
    else if (!m_running)
        stopClients();

    // File reads: while the load runs and reads are on.
    const bool wantReads = m_running && m_settings.fileReads;
    if (!wantReads)
        stopReads();
    if (wantReads && !m_reads) {
        try {
            std::unique_ptr<ScratchFile> scratch;
            if (!m_scratch)
                scratch = std::make_unique<ScratchFile>(ScratchFileBytes, m_settings.scratchFolder);
            const ScratchFile &file = scratch ? *scratch : *m_scratch;
            FileReadOptions options;
            options.blockBytes = m_settings.blockBytes;
            options.readsOutstanding = m_settings.readsOutstanding;
            auto reads = std::make_unique<FileReadLoad>(m_io, file, options);
            reads->start();
            std::lock_guard lock(m_mutex);
            if (scratch)
                m_scratch = std::move(scratch);
            m_reads = std::move(reads);
        } catch (const std::exception &error) {
            const std::string text = std::string("file reads are off: ") + error.what();
            problem = problem.empty() ? text : problem + "; " + text;
        }
    }
    std::lock_guard lock(m_mutex);
    m_problem = problem;
    return problem;
}

void IoLoad::startClients()
{
    EchoClientOptions options;
    options.port = m_server->port();
    options.connections = m_settings.connections;
    options.messageBytes = m_settings.messageBytes;
    options.messagesPerSecond = m_settings.messagesPerSecond;
    options.thinkTime = m_settings.thinkTime;
    options.duration = std::chrono::hours(24 * 365); // a bound that never ends a run: stop() does
    m_stopClients.store(false, std::memory_order_relaxed);
    m_clientsRunning.store(true, std::memory_order_relaxed);
    m_clients = std::thread([this, options] {
        platform::nameCurrentThread("pool-io-clients");
        for (;;) {
            const EchoClientResult result = runEchoClients(options, &m_stopClients);
            std::unique_lock lock(m_mutex);
            m_clientTotals.clientConnectFailures += result.connectFailures;
            m_clientTotals.clientMessagesEchoed += result.messagesEchoed;
            m_clientTotals.clientResets += result.resets + result.earlyCloses + result.otherErrors;
            m_clientTotals.clientMismatches += result.mismatches;
            if (!result.error.empty())
                m_clientTotals.problem = "echo clients: " + result.error;
            // Every connection ended (refused, reset, closed by the server): connect again
            // after a pause, never in a spin.
            if (m_clientWake.wait_for(lock, std::chrono::milliseconds(200),
                                      [this] { return m_stopClients.load(std::memory_order_relaxed); }))
                return;
        }
    });
}

void IoLoad::stopClients()
{
    if (!m_clients.joinable())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stopClients.store(true, std::memory_order_relaxed);
    }
    m_clientWake.notify_all();
    m_clients.join(); // the clients look at the flag every 10 ms at most
    m_clientsRunning.store(false, std::memory_order_relaxed);
}

void IoLoad::stopEcho()
{
    stopClients();
    if (!m_server)
        return;
    m_server->stop(); // closes the listener and the connections; their records come back cancelled
    std::lock_guard lock(m_mutex);
    m_stoppedServers.push_back(std::move(m_server));
}

void IoLoad::stopReads()
{
    if (!m_reads)
        return;
    m_reads->stop();
    std::lock_guard lock(m_mutex);
    m_stoppedReads.push_back(std::move(m_reads));
}

void IoLoad::releaseQuietDrivers()
{
    std::lock_guard lock(m_mutex);
    // Quiet = every record back: the destructor then waits for nothing.
    std::erase_if(m_stoppedServers, [this](std::unique_ptr<EchoServer> &server) {
        if (!server->waitUntilStopped(std::chrono::nanoseconds::zero()))
            return false;
        addInto(m_serversBefore, server->counters());
        server.reset();
        return true;
    });
    std::erase_if(m_stoppedReads, [this](std::unique_ptr<FileReadLoad> &reads) {
        if (!reads->waitUntilStopped(std::chrono::nanoseconds::zero()))
            return false;
        addInto(m_readsBefore, reads->counters());
        reads.reset();
        return true;
    });
}

IoLoadStats IoLoad::stats() const
{
    std::lock_guard lock(m_mutex);
    IoLoadStats stats = m_clientTotals;
    stats.echoRunning = m_clientsRunning.load(std::memory_order_relaxed);
    stats.fileReadsRunning = m_reads != nullptr;
    stats.server = m_serversBefore;
    if (m_server)
        addInto(stats.server, m_server->counters());
    for (const auto &server : m_stoppedServers)
        addInto(stats.server, server->counters());
    stats.reads = m_readsBefore;
    if (m_reads)
        addInto(stats.reads, m_reads->counters());
    for (const auto &reads : m_stoppedReads)
        addInto(stats.reads, reads->counters());
    if (!m_problem.empty())
        stats.problem = stats.problem.empty() ? m_problem : m_problem + "; " + stats.problem;
    return stats;
}

} // namespace poolscope
