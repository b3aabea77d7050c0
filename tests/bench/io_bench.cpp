// io_bench: what an I/O completion costs on the port, beside a posted packet, and a loopback
// echo through the port (EchoServer over IoService) against a plain epoll echo server and
// Boost.Asio's, all driven by the same epoll clients (runEchoClients) in the same run, order
// rotated per repetition, medians reported. Each port figure is taken twice: on a bare port
// with plain dequeuing threads (IoWorkerThreads), and through WorkerPool with serveIo, as
// the app runs it (its workers, their counters and latency timing, units and I/O on one
// port). Not a test; see README "I/O completions".
//
//   io_bench [--seconds S] [--reps N] [--quick]

#include "completionport.h"
#include "echoclients.h"
#include "echoserver.h"
#include "filereadload.h"
#include "iocompletiontarget.h"
#include "ioservice.h"
#include "ioworkerthreads.h"
#include "workerpool.h"

#include <utility> // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it
#include <boost/asio.hpp>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace poolscope;
using namespace std::chrono_literals;

namespace {

double median(std::vector<double> values)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const std::size_t mid = values.size() / 2;
    return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::uint64_t processCpuNs()
{
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto ns = [](const timeval &tv) {
        return static_cast<std::uint64_t>(tv.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(tv.tv_usec) * 1000u;
    };
    return ns(usage.ru_utime) + ns(usage.ru_stime);
}

// CPU time of this process's thread named `name` (the ring thread: "pool-io-ring"), from
// /proc/self/task/*/schedstat; 0 when not found.
std::uint64_t threadCpuNs(const std::string &name)
{
    DIR *tasks = ::opendir("/proc/self/task");
    if (tasks == nullptr)
        return 0;
    std::uint64_t total = 0;
    while (dirent *entry = ::readdir(tasks)) {
        if (entry->d_name[0] == '.')
            continue;
        const std::string base = std::string("/proc/self/task/") + entry->d_name;
        std::string comm;
        std::getline(std::ifstream(base + "/comm"), comm);
        if (comm != name)
            continue;
        std::uint64_t onCpu = 0;
        std::ifstream(base + "/schedstat") >> onCpu;
        total += onCpu;
    }
    ::closedir(tasks);
    return total;
}

// --- 1. cost of one completion through the port ---------------------------------------------

struct CostFigures {
    double wallNsPerCompletion = 0;
    double cpuNsPerCompletion = 0;  // the whole process
    double ringNsPerCompletion = 0; // the ring thread alone (I/O rows)
    double batch = 0;               // entries per io_uring_enter that submitted (I/O rows)
};

// `inFlight` posted packets circulate: the worker dequeues each and posts it again.
CostFigures postedCost(unsigned inFlight, std::chrono::nanoseconds duration)
{
    CompletionPort port(1);
    std::atomic<bool> stop{false};
    std::uint64_t count = 0;
    for (unsigned i = 0; i < inFlight; ++i)
        port.post({1, nullptr, 0, 0});
    const std::uint64_t cpu0 = processCpuNs();
    const auto begin = std::chrono::steady_clock::now();
    std::thread worker([&] {
        while (!stop.load(std::memory_order_relaxed)) {
            const DequeueResult r = port.dequeue();
            if (!r.hasPacket())
                break;
            ++count;
            port.post(r.packet);
        }
        port.leave();
    });
    std::this_thread::sleep_for(duration);
    stop = true;
    port.close();
    worker.join();
    const auto wall = std::chrono::steady_clock::now() - begin;
    CostFigures f;
    f.wallNsPerCompletion = static_cast<double>(std::chrono::nanoseconds(wall).count()) / static_cast<double>(count);
    f.cpuNsPerCompletion = static_cast<double>(processCpuNs() - cpu0) / static_cast<double>(count);
    return f;
}

// One posted packet bounces between two threads through two ports: each round is two
// posts and two wakes, the same two thread hops an I/O completion makes when the worker
// starts the next operation (worker -> ring thread -> worker), without io_uring.
CostFigures postedPingPong(std::chrono::nanoseconds duration)
{
    CompletionPort there(1), back(1);
    std::atomic<bool> stop{false};
    std::uint64_t rounds = 0;
    std::thread echo([&] {
        for (;;) {
            const DequeueResult r = there.dequeue();
            if (!r.hasPacket())
                break;
            back.post(r.packet);
        }
        there.leave();
    });
    const std::uint64_t cpu0 = processCpuNs();
    const auto begin = std::chrono::steady_clock::now();
    const auto end = begin + duration;
    while (std::chrono::steady_clock::now() < end) {
        there.post({1, nullptr, 0, 0});
        if (!back.dequeue().hasPacket())
            break;
        ++rounds;
    }
    back.leave();
    there.close();
    echo.join();
    const auto wall = std::chrono::steady_clock::now() - begin;
    CostFigures f;
    f.wallNsPerCompletion = static_cast<double>(std::chrono::nanoseconds(wall).count()) / static_cast<double>(rounds);
    f.cpuNsPerCompletion = static_cast<double>(processCpuNs() - cpu0) / static_cast<double>(rounds);
    return f;
}

// `inFlight` reads of 64 bytes from a page-cached scratch file circulate: the worker
// dequeues each completion and starts the read again. The kernel's read is in the figure
// (a copy of 64 bytes from the page cache, ~100 ns); the rest is the path start -> ring
// thread -> io_uring -> ring thread -> port -> worker.
struct CirculatingRead final : IoCompletionTarget {
    struct Op : IoOperation {
        std::byte buffer[64];
    };
    IoService *io = nullptr;
    IoHandle file;
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> count{0};
    LentRecordCount lent;

    void issue(Op &op)
    {
        lent.lend();
        if (stop.load(std::memory_order_relaxed) || io->startRead(file, op, op.buffer, 0) != 0)
            lent.giveBack();
    }
    void onIoCompletion(IoOperation &op, const DequeueResult &) noexcept override
    {
        count.fetch_add(1, std::memory_order_relaxed);
        issue(static_cast<Op &>(op));
        lent.giveBack();
    }
};

// Circulates `inFlight` reads of the scratch file's first 64 bytes on `io` for `duration`
// (the port's dequeuing threads run meanwhile) and measures them.
CostFigures circulateReads(IoService &io, CirculatingRead &reads, const ScratchFile &scratch, unsigned inFlight,
                           std::chrono::nanoseconds duration)
{
    reads.io = &io;
    reads.file = io.associate(::open(scratch.path().c_str(), O_RDONLY | O_CLOEXEC), reads.completionKey());
    std::vector<std::unique_ptr<CirculatingRead::Op>> ops;
    for (unsigned i = 0; i < inFlight; ++i)
        ops.push_back(std::make_unique<CirculatingRead::Op>());
    const IoSnapshot before = io.snapshot();
    const std::uint64_t cpu0 = processCpuNs();
    const std::uint64_t ring0 = threadCpuNs("pool-io-ring");
    const auto begin = std::chrono::steady_clock::now();
    for (auto &op : ops)
        reads.issue(*op);
    std::this_thread::sleep_for(duration);
    reads.stop = true;
    reads.lent.waitUntilNone(std::chrono::seconds(30));
    const auto wall = std::chrono::steady_clock::now() - begin;
    const auto count = static_cast<double>(reads.count.load());
    const IoSnapshot after = io.snapshot();
    CostFigures f;
    f.wallNsPerCompletion = static_cast<double>(std::chrono::nanoseconds(wall).count()) / count;
    f.cpuNsPerCompletion = static_cast<double>(processCpuNs() - cpu0) / count;
    f.ringNsPerCompletion = static_cast<double>(threadCpuNs("pool-io-ring") - ring0) / count;
    const auto calls = static_cast<double>(after.submitCalls - before.submitCalls);
    f.batch = calls > 0 ? static_cast<double>(after.submitted - before.submitted) / calls : 0;
    io.close(reads.file);
    return f;
}

// On a bare port with one plain dequeuing thread.
CostFigures ioReadCost(unsigned inFlight, std::chrono::nanoseconds duration)
{
    ScratchFile scratch(4096);
    CompletionPort port(1);
    IoService io(port);
    IoWorkerThreads worker(port, 1);
    CirculatingRead reads;
    return circulateReads(io, reads, scratch, inFlight, duration);
}

// The app's pool: WorkerPool with serveIo and its defaults (latency timing, occupancy), one
// worker and a limit of one, so that the figure is one thread's path as above.
WorkerPoolOptions benchPoolOptions(unsigned workers)
{
    WorkerPoolOptions options;
    options.workers = workers;
    options.concurrency = workers;
    options.serveIo = true;
    return options;
}

// `inFlight` units circulate through WorkerPool: each posts itself again (a function pointer
// with a context: no allocation per unit), the path of the app's posted work.
struct CirculatingUnit {
    WorkerPool *pool = nullptr;
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> count{0};
    static void run(void *context)
    {
        auto *self = static_cast<CirculatingUnit *>(context);
        self->count.fetch_add(1, std::memory_order_relaxed);
        if (!self->stop.load(std::memory_order_relaxed))
            self->pool->post(&CirculatingUnit::run, self);
    }
};

CostFigures poolPostedCost(unsigned inFlight, std::chrono::nanoseconds duration)
{
    CirculatingUnit units; // outlives the pool: its workers call it until they are joined
    WorkerPool pool(benchPoolOptions(1));
    units.pool = &pool;
    const std::uint64_t cpu0 = processCpuNs();
    const auto begin = std::chrono::steady_clock::now();
    for (unsigned i = 0; i < inFlight; ++i)
        pool.post(&CirculatingUnit::run, &units);
    std::this_thread::sleep_for(duration);
    units.stop = true;
    const auto wall = std::chrono::steady_clock::now() - begin;
    const auto count = static_cast<double>(units.count.load());
    CostFigures f;
    f.wallNsPerCompletion = static_cast<double>(std::chrono::nanoseconds(wall).count()) / count;
    f.cpuNsPerCompletion = static_cast<double>(processCpuNs() - cpu0) / count;
    return f;
}

// The reads of ioReadCost, through WorkerPool's port: completions are dispatched by the
// pool's workers to the target, beside (here: without) posted units.
CostFigures poolIoReadCost(unsigned inFlight, std::chrono::nanoseconds duration)
{
    ScratchFile scratch(4096);
    CirculatingRead reads; // outlives the pool: its workers call it until they are joined
    WorkerPool pool(benchPoolOptions(1));
    return circulateReads(*pool.ioService(), reads, scratch, inFlight, duration);
}

// --- 2. echo servers ------------------------------------------------------------------------

int listenLoopback(std::uint16_t *port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 || ::listen(fd, 1024) != 0
        || ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0) {
        std::perror("io_bench: listen");
        std::exit(1);
    }
    *port = ntohs(address.sin_port);
    return fd;
}

// The classic single-threaded epoll echo server: level-triggered, non-blocking; what does
// not fit in the socket buffer waits for EPOLLOUT.
class EpollEchoServer {
public:
    EpollEchoServer()
    {
        m_listener = listenLoopback(&m_port);
        m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
        m_stopFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        add(m_listener, EPOLLIN);
        add(m_stopFd, EPOLLIN);
        m_thread = std::thread([this] { run(); });
    }
    ~EpollEchoServer()
    {
        ::eventfd_write(m_stopFd, 1);
        m_thread.join();
        for (auto &[fd, pending] : m_connections)
            ::close(fd);
        ::close(m_listener);
        ::close(m_stopFd);
        ::close(m_epoll);
    }
    std::uint16_t port() const { return m_port; }

private:
    void add(int fd, std::uint32_t events)
    {
        epoll_event event{};
        event.events = events;
        event.data.fd = fd;
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event);
    }
    void modify(int fd, std::uint32_t events)
    {
        epoll_event event{};
        event.events = events;
        event.data.fd = fd;
        ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &event);
    }
    void drop(int fd)
    {
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
        m_connections.erase(fd);
    }
    // Sends what is pending; false when the connection failed.
    bool flush(int fd, std::string &pending)
    {
        while (!pending.empty()) {
            const ssize_t n = ::send(fd, pending.data(), pending.size(), MSG_NOSIGNAL);
            if (n > 0) {
                pending.erase(0, static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                modify(fd, EPOLLOUT);
                return true;
            }
            return false;
        }
        modify(fd, EPOLLIN);
        return true;
    }
    void run()
    {
        epoll_event events[256];
        char buffer[16 * 1024];
        for (;;) {
            const int ready = ::epoll_wait(m_epoll, events, 256, -1);
            for (int i = 0; i < ready; ++i) {
                const int fd = events[i].data.fd;
                if (fd == m_stopFd)
                    return;
                if (fd == m_listener) {
                    for (;;) {
                        const int connection = ::accept4(m_listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                        if (connection < 0)
                            break;
                        const int one = 1;
                        ::setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                        m_connections[connection];
                        add(connection, EPOLLIN);
                    }
                    continue;
                }
                std::string &pending = m_connections[fd];
                if (!pending.empty()) { // EPOLLOUT: finish the last echo first
                    if (!flush(fd, pending))
                        drop(fd);
                    continue;
                }
                const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
                if (n <= 0) {
                    if (n == 0 || (errno != EAGAIN && errno != EINTR))
                        drop(fd);
                    continue;
                }
                pending.assign(buffer, static_cast<std::size_t>(n));
                if (!flush(fd, pending))
                    drop(fd);
            }
        }
    }

    std::uint16_t m_port = 0;
    int m_listener = -1;
    int m_epoll = -1;
    int m_stopFd = -1;
    std::map<int, std::string> m_connections; // the server thread's
    std::thread m_thread;
};

// Boost.Asio's echo, one io_context thread: async_read_some, async_write, again.
class AsioEchoServer {
public:
    AsioEchoServer()
        : m_acceptor(m_context, boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0))
    {
        accept();
        m_thread = std::thread([this] { m_context.run(); });
    }
    ~AsioEchoServer()
    {
        m_context.stop();
        m_thread.join();
    }
    std::uint16_t port() const { return m_acceptor.local_endpoint().port(); }

private:
    struct Session : std::enable_shared_from_this<Session> {
        explicit Session(boost::asio::ip::tcp::socket s) : socket(std::move(s)) {}
        void read()
        {
            socket.async_read_some(boost::asio::buffer(data), [self = shared_from_this()](auto error, std::size_t n) {
                if (!error)
                    self->write(n);
            });
        }
        void write(std::size_t n)
        {
            boost::asio::async_write(socket, boost::asio::buffer(data, n), [self = shared_from_this()](auto error, std::size_t) {
                if (!error)
                    self->read();
            });
        }
        boost::asio::ip::tcp::socket socket;
        std::array<char, 16 * 1024> data{};
    };
    void accept()
    {
        m_acceptor.async_accept([this](auto error, boost::asio::ip::tcp::socket socket) {
            if (!error) {
                socket.set_option(boost::asio::ip::tcp::no_delay(true));
                std::make_shared<Session>(std::move(socket))->read();
            }
            accept();
        });
    }

    boost::asio::io_context m_context{1};
    boost::asio::ip::tcp::acceptor m_acceptor;
    std::thread m_thread;
};

// The port's echo: EchoServer on IoService, `workers` threads dequeuing.
class PortEchoServer {
public:
    explicit PortEchoServer(unsigned workers) : m_port(0), m_io(m_port), m_workers(m_port, workers), m_server(m_io) {}
    ~PortEchoServer() { m_server.stop(); }
    std::uint16_t port() const { return m_server.port(); }

private:
    CompletionPort m_port;
    IoService m_io;
    IoWorkerThreads m_workers;
    EchoServer m_server; // destroyed first: it waits for its records while the workers run
};

// The app's echo: EchoServer on the I/O service of WorkerPool's own port (serveIo), as
// PoolSession's I/O load runs it, `workers` pool workers (limit = workers).
class PoolEchoServer {
public:
    explicit PoolEchoServer(unsigned workers) : m_pool(benchPoolOptions(workers)), m_server(*m_pool.ioService()) {}
    ~PoolEchoServer() { m_server.stop(); }
    std::uint16_t port() const { return m_server.port(); }

private:
    WorkerPool m_pool;
    EchoServer m_server; // destroyed first: it waits for its records while the workers run
};

struct EchoFigures {
    double messagesPerSecond = 0, p50Us = 0, p99Us = 0;
    std::uint64_t errors = 0;
};

template <typename Server, typename... Args>
EchoFigures runEcho(unsigned connections, std::chrono::nanoseconds duration, Args... args)
{
    Server server(args...);
    EchoClientOptions options;
    options.port = server.port();
    options.connections = connections;
    options.messageBytes = 64;
    options.duration = duration;
    const EchoClientResult r = runEchoClients(options);
    EchoFigures f;
    f.messagesPerSecond = r.messagesPerSecond();
    f.p50Us = static_cast<double>(r.roundTrip.valueAtQuantile(0.50)) / 1000.0;
    f.p99Us = static_cast<double>(r.roundTrip.valueAtQuantile(0.99)) / 1000.0;
    f.errors = r.connectFailures + r.resets + r.mismatches + r.earlyCloses + r.otherErrors;
    if (!r.error.empty())
        std::fprintf(stderr, "io_bench: %s\n", r.error.c_str());
    return f;
}

} // namespace

int main(int argc, char **argv)
{
    double seconds = 3;
    int reps = 3;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--seconds" && i + 1 < argc)
            seconds = std::atof(argv[++i]);
        else if (arg == "--reps" && i + 1 < argc)
            reps = std::atoi(argv[++i]);
        else if (arg == "--quick") {
            seconds = 0.5;
            reps = 1;
        } else {
            std::fprintf(stderr, "usage: io_bench [--seconds S] [--reps N] [--quick]\n");
            return 2;
        }
    }
    std::string why;
    if (!IoService::ioUringAvailable(&why)) {
        std::fprintf(stderr, "io_bench: io_uring is not available: %s\n", why.c_str());
        return 1;
    }
    const auto duration = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
    // The figures mean little without the machine's other load: say it before and after.
    const auto loadAverage = [] {
        std::string line;
        std::getline(std::ifstream("/proc/loadavg"), line);
        return line;
    };
    std::printf("load average at the start: %s; %u processors\n\n", loadAverage().c_str(), std::thread::hardware_concurrency());

    // 1. Completion cost, rotated per repetition.
    struct CostCase {
        std::string name;
        std::function<CostFigures()> run;
        std::vector<CostFigures> results;
    };
    std::vector<CostCase> costs = {
        {"posted packet, 1 in flight", [&] { return postedCost(1, duration); }, {}},
        {"posted packet, 64 in flight", [&] { return postedCost(64, duration); }, {}},
        {"posted packet, ping-pong between two threads (per round)", [&] { return postedPingPong(duration); }, {}},
        {"I/O read completion, 1 in flight", [&] { return ioReadCost(1, duration); }, {}},
        {"I/O read completion, 64 in flight", [&] { return ioReadCost(64, duration); }, {}},
        {"WorkerPool: posted unit, 1 in flight", [&] { return poolPostedCost(1, duration); }, {}},
        {"WorkerPool: posted unit, 64 in flight", [&] { return poolPostedCost(64, duration); }, {}},
        {"WorkerPool (serveIo): I/O read completion, 1 in flight", [&] { return poolIoReadCost(1, duration); }, {}},
        {"WorkerPool (serveIo): I/O read completion, 64 in flight", [&] { return poolIoReadCost(64, duration); }, {}},
    };
    for (int rep = 0; rep < reps; ++rep)
        for (std::size_t i = 0; i < costs.size(); ++i) {
            CostCase &c = costs[(i + static_cast<std::size_t>(rep)) % costs.size()];
            c.results.push_back(c.run());
        }
    std::printf("## Cost of one completion through the port (medians of %d rotated runs of %.1f s)\n\n", reps, seconds);
    std::printf("| path | wall ns / completion | CPU ns / completion (process) | ring thread CPU ns / completion | entries per submit |\n");
    std::printf("| --- | ---: | ---: | ---: | ---: |\n");
    for (CostCase &c : costs) {
        std::vector<double> wall, cpu, ring, batch;
        for (const CostFigures &f : c.results) {
            wall.push_back(f.wallNsPerCompletion);
            cpu.push_back(f.cpuNsPerCompletion);
            ring.push_back(f.ringNsPerCompletion);
            batch.push_back(f.batch);
        }
        std::printf("| %s | %.0f | %.0f | %s | %s |\n", c.name.c_str(), median(wall), median(cpu),
                    median(ring) > 0 ? std::to_string(static_cast<long>(median(ring))).c_str() : "-",
                    median(batch) > 0 ? std::to_string(median(batch)).substr(0, 4).c_str() : "-");
    }

    // 2. Echo, rotated per repetition.
    struct EchoCase {
        std::string name;
        std::function<EchoFigures(unsigned)> run;
        std::map<unsigned, std::vector<EchoFigures>> results;
    };
    std::vector<EchoCase> echoes = {
        {"WorkerPool (serveIo) + EchoServer, 2 workers", [&](unsigned n) { return runEcho<PoolEchoServer>(n, duration, 2u); }, {}},
        {"WorkerPool (serveIo) + EchoServer, 1 worker", [&](unsigned n) { return runEcho<PoolEchoServer>(n, duration, 1u); }, {}},
        {"bare port + io_uring (EchoServer), 2 threads", [&](unsigned n) { return runEcho<PortEchoServer>(n, duration, 2u); }, {}},
        {"plain epoll, 1 thread", [&](unsigned n) { return runEcho<EpollEchoServer>(n, duration); }, {}},
        {"Boost.Asio, 1 thread", [&](unsigned n) { return runEcho<AsioEchoServer>(n, duration); }, {}},
    };
    const unsigned connectionCounts[] = {1, 64};
    for (int rep = 0; rep < reps; ++rep)
        for (unsigned connections : connectionCounts)
            for (std::size_t i = 0; i < echoes.size(); ++i) {
                EchoCase &c = echoes[(i + static_cast<std::size_t>(rep)) % echoes.size()];
                c.results[connections].push_back(c.run(connections));
            }
    std::printf("\n## Loopback echo, 64-byte messages, as fast as possible (medians of %d rotated runs of %.1f s)\n\n", reps, seconds);
    std::printf("| server | connections | messages/s | p50 round trip (us) | p99 round trip (us) | errors |\n");
    std::printf("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (unsigned connections : connectionCounts)
        for (EchoCase &c : echoes) {
            std::vector<double> rate, p50, p99;
            std::uint64_t errors = 0;
            for (const EchoFigures &f : c.results[connections]) {
                rate.push_back(f.messagesPerSecond);
                p50.push_back(f.p50Us);
                p99.push_back(f.p99Us);
                errors += f.errors;
            }
            std::printf("| %s | %u | %.0f | %.1f | %.1f | %llu |\n", c.name.c_str(), connections, median(rate),
                        median(p50), median(p99), static_cast<unsigned long long>(errors));
        }
    std::printf("\nload average at the end: %s\n", loadAverage().c_str());
    return 0;
}
