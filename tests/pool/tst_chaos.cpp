// Bounded, seeded chaos: producers post while the pool is resized, its limit and policy
// change, units throw and block, and each round ends in a fast or graceful shutdown with a
// deadline, or in destruction alone. Every unit carries a token; a ledger written by the
// units themselves (not by the pool) checks that each is destroyed exactly once, that no
// worker sees one producer's units out of order, and that the final snapshot equals the
// ledger field by field.
//
// At most 25 s and 60 rounds. A failure prints its seed; rerun it with
// POOLSCOPE_CHAOS_SEED=<seed>.

#include "completionport.h"
#include "echoclients.h"
#include "echoserver.h"
#include "filereadload.h"
#include "testprinters.h"
#include "workerpool.h"

#include <QtTest>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace poolscope;
using namespace std::chrono_literals;

namespace {

constexpr int Producers = 3;
constexpr std::uint32_t MaxPostsPerProducer = 12'000;
constexpr auto TimeBudget = 18s; // the pool part; the port part takes a few seconds more
constexpr int MaxRounds = 60;

std::uint64_t chosenSeed()
{
    if (const char *text = std::getenv("POOLSCOPE_CHAOS_SEED"))
        return std::strtoull(text, nullptr, 10);
    return (std::uint64_t(std::random_device{}()) << 32) ^ std::random_device{}();
}

enum class UnitKind : std::uint8_t { Empty, Spin, Block, ThrowStd, ThrowOther };

// What every unit of one round writes; sized up front, so units never allocate.
struct RoundLedger {
    explicit RoundLedger(std::size_t units) : destroyed(units), ran(units), threw(units) {}
    std::vector<std::atomic<std::uint8_t>> destroyed;
    std::vector<std::atomic<std::uint8_t>> ran;
    std::vector<std::atomic<std::uint8_t>> threw;
    std::atomic<int> orderViolations{0};
    std::mutex firstViolationMutex;
    std::string firstViolation;

    static std::size_t slot(int producer, std::uint32_t sequence)
    {
        return std::size_t(producer) * MaxPostsPerProducer + sequence;
    }
};

// The last sequence this worker thread saw from each producer (per round: threads are new).
struct SeenOnThisThread {
    std::array<std::int64_t, Producers> last{-1, -1, -1};
    const RoundLedger *round = nullptr;
};
thread_local SeenOnThisThread t_seen;

class TokenUnit {
public:
    TokenUnit(RoundLedger &ledger, int producer, std::uint32_t sequence, UnitKind kind)
        : m_ledger(&ledger), m_sequence(sequence), m_producer(static_cast<std::uint8_t>(producer)), m_kind(kind)
    {
    }
    TokenUnit(TokenUnit &&other) noexcept
        : m_ledger(std::exchange(other.m_ledger, nullptr)), m_sequence(other.m_sequence),
          m_producer(other.m_producer), m_kind(other.m_kind)
    {
    }
    TokenUnit &operator=(TokenUnit &&) = delete;
    ~TokenUnit()
    {
        if (m_ledger)
            m_ledger->destroyed[slot()].fetch_add(1);
    }

    void operator()()
    {
        checkOrder();
        m_ledger->ran[slot()].fetch_add(1);
        switch (m_kind) {
        case UnitKind::Empty: break;
        case UnitKind::Spin: {
            const auto until = std::chrono::steady_clock::now() + 20us;
            while (std::chrono::steady_clock::now() < until) {
            }
            break;
        }
        case UnitKind::Block: {
            BlockingScope blocking; // load, not synchronisation: a short sleep is the point
            std::this_thread::sleep_for(50us);
            break;
        }
        case UnitKind::ThrowStd:
            m_ledger->threw[slot()].store(1);
            throw std::runtime_error("chaos");
        case UnitKind::ThrowOther:
            m_ledger->threw[slot()].store(1);
            throw 42;
        }
    }

private:
    std::size_t slot() const { return RoundLedger::slot(m_producer, m_sequence); }

    // One worker dequeues one producer's units in the order they were posted.
    void checkOrder()
    {
        if (t_seen.round != m_ledger)
            t_seen = SeenOnThisThread{{-1, -1, -1}, m_ledger};
        std::int64_t &last = t_seen.last[m_producer];
        if (std::int64_t(m_sequence) <= last && m_ledger->orderViolations.fetch_add(1) == 0) {
            std::lock_guard lock(m_ledger->firstViolationMutex);
            m_ledger->firstViolation = "producer " + std::to_string(m_producer) + ": seq " +
                                       std::to_string(m_sequence) + " after " + std::to_string(last);
        }
        last = m_sequence;
    }

    RoundLedger *m_ledger;
    std::uint32_t m_sequence;
    std::uint8_t m_producer;
    UnitKind m_kind;
};

struct ProducerRecord {
    std::uint32_t attempted = 0;
    std::vector<std::uint8_t> accepted; // per sequence: the post returned an id
    std::uint64_t lastId = 0;
    bool idsIncreased = true;
};

} // namespace

class TestChaos : public QObject {
    Q_OBJECT

private slots:
    void poolUnderChaosKeepsItsLedger();
    void portKeepsPerProducerOrderUnderChaos();
    void ioRecordsComeBackOnceUnderChaos();

private:
    std::uint64_t m_seed = chosenSeed();
};

void TestChaos::poolUnderChaosKeepsItsLedger()
{
    qInfo("chaos seed %llu (rerun with POOLSCOPE_CHAOS_SEED=%llu)", static_cast<unsigned long long>(m_seed),
          static_cast<unsigned long long>(m_seed));
    std::mt19937_64 random(m_seed);
    const auto startedAt = std::chrono::steady_clock::now();
    int rounds = 0;
    std::uint64_t unitsChecked = 0;
    while (rounds < MaxRounds && std::chrono::steady_clock::now() - startedAt < TimeBudget) {
        ++rounds;
        const std::string where = "seed " + std::to_string(m_seed) + ", round " + std::to_string(rounds);
        auto pick = [&](int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); };

        auto ledger = std::make_unique<RoundLedger>(std::size_t(Producers) * MaxPostsPerProducer);
        WorkerPoolOptions options;
        options.workers = unsigned(pick(0, 6));
        options.concurrency = unsigned(pick(0, 4));
        options.policy = static_cast<ExceptionPolicy>(pick(0, 1)); // fail fast comes later, as an action
        options.exceptionReportCapacity = 64;
        auto pool = std::make_unique<WorkerPool>(options);

        std::atomic<bool> stopProducing{false};
        std::array<ProducerRecord, Producers> records;
        std::vector<std::thread> producers;
        const int throwPercent = pick(0, 5);
        for (int p = 0; p < Producers; ++p) {
            records[std::size_t(p)].accepted.assign(MaxPostsPerProducer, 0);
            producers.emplace_back([&, p, seed = random()] {
                std::mt19937 local(static_cast<std::uint32_t>(seed & 0xffffffffu));
                ProducerRecord &record = records[std::size_t(p)];
                for (std::uint32_t sequence = 0; sequence < MaxPostsPerProducer; ++sequence) {
                    if (stopProducing.load(std::memory_order_relaxed))
                        break;
                    const auto roll = static_cast<unsigned>(local() % 100);
                    const UnitKind kind = roll < unsigned(throwPercent)       ? UnitKind::ThrowStd
                                          : roll < unsigned(throwPercent) * 2 ? UnitKind::ThrowOther
                                          : roll < 30                          ? UnitKind::Spin
                                          : roll < 35                          ? UnitKind::Block
                                                                               : UnitKind::Empty;
                    const std::uint64_t id = pool->post(TokenUnit(*ledger, p, sequence, kind), "chaos");
                    record.attempted = sequence + 1;
                    if (id != 0) {
                        record.accepted[sequence] = 1;
                        record.idsIncreased = record.idsIncreased && id > record.lastId;
                        record.lastId = id;
                    }
                    if (local() % 64 == 0)
                        std::this_thread::yield();
                    if (local() % 256 == 0 && pool->snapshot().queued > 20'000)
                        std::this_thread::yield(); // bounded memory, not pacing
                }
            });
        }

        // The controller: random actions until the round's end.
        const int actions = pick(5, 40);
        const auto actionsUntil = std::chrono::steady_clock::now() + 1s; // bounded on a loaded machine too
        for (int action = 0; action < actions && std::chrono::steady_clock::now() < actionsUntil; ++action) {
            try {
                switch (pick(0, 9)) {
                case 0:
                case 1:
                case 2: pool->setWorkerCount(pick(0, 8)); break;
                case 3: pool->setConcurrency(pick(0, 4)); break;
                case 4: pool->setExceptionPolicy(static_cast<ExceptionPolicy>(pick(0, 1))); break;
                case 5:
                    if (pick(0, 9) == 0)
                        pool->setExceptionPolicy(ExceptionPolicy::FailFast);
                    break;
                case 6: pool->resetPeaks(); break;
                default: {
                    const PoolSnapshot s = pool->snapshot();
                    QVERIFY2(s.identityError() == 0, where.c_str());
                    QVERIFY2(s.started <= s.posted && s.completed + s.failed <= s.started, where.c_str());
                    std::vector<ExceptionReport> reports;
                    pool->drainExceptionReports(reports);
                    break;
                }
                }
            } catch (const std::logic_error &) {
                // setWorkerCount on a pool that failed fast: expected, and changes nothing.
            }
            for (int spin = pick(0, 500); spin > 0; --spin)
                std::this_thread::yield();
        }

        // The end of the round: one of three ways, the producers still posting.
        const int ending = pick(0, 2);
        std::optional<ShutdownResult> result;
        if (ending == 0)
            result = pool->shutdown(ShutdownMode::Fast, std::chrono::milliseconds(pick(0, 20)));
        else if (ending == 1)
            result = pool->shutdown(ShutdownMode::Graceful, std::chrono::milliseconds(pick(0, 50)));
        stopProducing.store(true);
        for (std::thread &producer : producers)
            producer.join();

        std::uint64_t accepted = 0, refused = 0;
        for (const ProducerRecord &record : records) {
            QVERIFY2(record.idsIncreased, where.c_str());
            for (std::uint32_t s = 0; s < record.attempted; ++s)
                (record.accepted[s] ? accepted : refused) += 1;
        }

        if (result) {
            // Everything accepted is run or cancelled; wait for the late ones, then the pool
            // is quiescent and its snapshot must equal the ledger.
            // Wait while it makes progress (a sanitizer build on a busy machine is slow);
            // 20 s without any unit finishing is a hang.
            auto undestroyed = [&] {
                std::uint64_t count = 0;
                for (int p = 0; p < Producers; ++p)
                    for (std::uint32_t s = 0; s < records[std::size_t(p)].attempted; ++s)
                        if (ledger->destroyed[RoundLedger::slot(p, s)].load() == 0)
                            ++count;
                return count;
            };
            auto finished = [&] {
                const PoolSnapshot s = pool->snapshot();
                return s.completed + s.failed + s.cancelled;
            };
            std::uint64_t lastFinished = finished();
            auto lastProgress = std::chrono::steady_clock::now();
            for (;;) {
                const PoolSnapshot s = pool->snapshot();
                if (undestroyed() == 0 && s.queued == 0 && s.inFlight == 0)
                    break;
                if (finished() != lastFinished) {
                    lastFinished = finished();
                    lastProgress = std::chrono::steady_clock::now();
                } else if (std::chrono::steady_clock::now() - lastProgress > 20s) {
                    const std::string state =
                        where + ": no unit finished for 20 s; undestroyed " + std::to_string(undestroyed()) +
                        ", queued " + std::to_string(s.queued) + ", in flight " + std::to_string(s.inFlight) +
                        ", live " + std::to_string(s.liveWorkers) + ", idle " + std::to_string(s.idleWorkers) +
                        ", running " + std::to_string(s.runningWorkers) + ", blocked " +
                        std::to_string(s.blockedWorkers) + ", state " + std::string(nameOf(s.state)) +
                        ", ending " + std::to_string(ending) + ", deadline missed " +
                        std::to_string(result->deadlineMissed);
                    QFAIL(state.c_str());
                }
                std::this_thread::sleep_for(1ms); // polling a condition with a stall limit, not pacing
            }

            std::uint64_t ran = 0, threw = 0, cancelled = 0;
            for (int p = 0; p < Producers; ++p) {
                for (std::uint32_t s = 0; s < records[std::size_t(p)].attempted; ++s) {
                    const std::size_t slot = RoundLedger::slot(p, s);
                    ran += ledger->ran[slot].load();
                    threw += ledger->threw[slot].load();
                    if (records[std::size_t(p)].accepted[s] && ledger->ran[slot].load() == 0)
                        ++cancelled;
                }
            }
            const PoolSnapshot s = pool->snapshot();
            const std::string counts = where + ": posted " + std::to_string(s.posted) + "/" +
                                       std::to_string(accepted) + " started " + std::to_string(s.started) + "/" +
                                       std::to_string(ran) + " failed " + std::to_string(s.failed) + "/" +
                                       std::to_string(threw) + " cancelled " + std::to_string(s.cancelled) +
                                       "/" + std::to_string(cancelled) + " rejected " +
                                       std::to_string(s.rejected) + "/" + std::to_string(refused);
            QVERIFY2(s.posted == accepted, counts.c_str());
            QVERIFY2(s.started == ran, counts.c_str());
            QVERIFY2(s.completed == ran - threw, counts.c_str());
            QVERIFY2(s.failed == threw, counts.c_str());
            QVERIFY2(s.cancelled == cancelled, counts.c_str());
            QVERIFY2(s.rejected == refused, counts.c_str());
            QVERIFY2(s.identityError() == 0, counts.c_str());
        }
        pool.reset(); // joins; a round that ended here tests the destructor's fast shutdown

        for (int p = 0; p < Producers; ++p) {
            for (std::uint32_t s = 0; s < records[std::size_t(p)].attempted; ++s) {
                const std::size_t slot = RoundLedger::slot(p, s);
                const std::string unit = where + ": producer " + std::to_string(p) + " seq " + std::to_string(s);
                QVERIFY2(ledger->destroyed[slot].load() == 1, (unit + " destroyed " +
                                                                std::to_string(ledger->destroyed[slot].load()) +
                                                                " times").c_str());
                QVERIFY2(ledger->ran[slot].load() <= (records[std::size_t(p)].accepted[s] ? 1 : 0), unit.c_str());
            }
            unitsChecked += records[std::size_t(p)].attempted;
        }
        QVERIFY2(ledger->orderViolations.load() == 0, (where + ": " + ledger->firstViolation).c_str());
    }
    qInfo("%d rounds, %llu units checked", rounds, static_cast<unsigned long long>(unitsChecked));
    QVERIFY(rounds > 0);
}

void TestChaos::portKeepsPerProducerOrderUnderChaos()
{
    std::mt19937_64 random(m_seed ^ 0x9e3779b97f4a7c15ull);
    auto pick = [&](int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); };
    const std::string where = "seed " + std::to_string(m_seed);
    for (int round = 0; round < 6; ++round) {
        CompletionPort port(unsigned(pick(1, 3)));
        const int consumers = pick(1, 3);
        constexpr std::uint32_t PerProducer = 12'000; // three of them spill past the 8192-cell ring
        std::atomic<int> violations{0};
        std::atomic<std::uint64_t> received{0};
        std::vector<std::thread> threads;
        auto startConsumers = [&] {
        for (int c = 0; c < consumers; ++c) {
            threads.emplace_back([&, seed = random()] {
                std::mt19937 local(static_cast<std::uint32_t>(seed & 0xffffffffu));
                std::array<std::int64_t, Producers> last{-1, -1, -1};
                for (;;) {
                    const DequeueResult result = port.dequeue(60s);
                    if (!result.hasPacket())
                        return;
                    auto &seen = last[result.packet.key];
                    if (std::int64_t(result.packet.bytes) <= seen)
                        violations.fetch_add(1);
                    seen = result.packet.bytes;
                    received.fetch_add(1);
                    if (local() % 1024 == 0) {
                        BlockingScope blocking; // lets another consumer in past the limit
                        std::this_thread::yield();
                    }
                }
            });
        }
        };
        // Sometimes the consumers start only once everything is posted: the backlog then
        // sits in the ring and its overflow, as in the bug this guards.
        const bool lateConsumers = pick(0, 1) == 1;
        if (!lateConsumers)
            startConsumers();
        std::vector<std::thread> producers;
        for (int p = 0; p < Producers; ++p) {
            producers.emplace_back([&, p, seed = random()] {
                std::mt19937 local(static_cast<std::uint32_t>(seed & 0xffffffffu));
                for (std::uint32_t s = 0; s < PerProducer; ++s) {
                    port.post({std::uintptr_t(p), nullptr, s, 0});
                    if (local() % 512 == 0)
                        std::this_thread::yield();
                }
            });
        }
        for (std::thread &producer : producers)
            producer.join();
        if (lateConsumers)
            startConsumers();
        const auto until = std::chrono::steady_clock::now() + 60s;
        while (received.load() < std::uint64_t(Producers) * PerProducer && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(1ms);
        port.close();
        for (std::thread &thread : threads)
            thread.join();
        QVERIFY2(received.load() == std::uint64_t(Producers) * PerProducer, where.c_str());
        QVERIFY2(violations.load() == 0, where.c_str());
    }
}

// I/O on the pool's port under the same chaos: an echo server with clients and file reads
// beside posted units, the pool resized and its limit changed, each round ending in a fast
// or graceful shutdown with a short deadline or in a cancel and destruction. Every operation
// record must come back to its driver exactly once (a record destroyed while lent aborts
// the test; a record never given back makes its driver's wait fail), no completion may meet
// a closed port, and the I/O identity must hold with nothing outstanding at the end.
void TestChaos::ioRecordsComeBackOnceUnderChaos()
{
    std::string why;
    if (!IoService::ioUringAvailable(&why))
        QSKIP(qPrintable(QStringLiteral("io_uring is not available here (%1)").arg(QString::fromStdString(why))));
    std::mt19937_64 random(m_seed ^ 0x5bd1e995ull);
    auto pick = [&](int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); };
    const ScratchFile file(256 * 1024);
    const auto startedAt = std::chrono::steady_clock::now();
    int rounds = 0;
    std::uint64_t ioOperations = 0;
    while (rounds < 24 && std::chrono::steady_clock::now() - startedAt < 8s) {
        ++rounds;
        const std::string where = "I/O, seed " + std::to_string(m_seed) + ", round " + std::to_string(rounds);
        WorkerPoolOptions options;
        options.workers = unsigned(pick(0, 4));
        options.concurrency = unsigned(pick(0, 3));
        options.serveIo = true;
        auto pool = std::make_unique<WorkerPool>(options);
        auto server = std::make_unique<EchoServer>(*pool->ioService());
        FileReadOptions readOptions;
        readOptions.blockBytes = std::uint32_t(pick(1, 64)) * 1024;
        readOptions.readsOutstanding = unsigned(pick(1, 16));
        auto reads = std::make_unique<FileReadLoad>(*pool->ioService(), file, readOptions);
        reads->start();

        std::atomic<bool> stopClients{false};
        EchoClientOptions clientOptions;
        clientOptions.port = server->port();
        clientOptions.connections = unsigned(pick(1, 8));
        clientOptions.messageBytes = std::uint32_t(pick(1, 40'000));
        clientOptions.duration = 30s; // a bound; the round stops them
        EchoClientResult clients;
        std::thread clientThread([&] { clients = runEchoClients(clientOptions, &stopClients); });
        std::atomic<bool> stopPosting{false};
        std::atomic<std::uint64_t> unitsCreated{0}, unitsDestroyed{0};
        std::thread producer([&] {
            struct Counted {
                std::atomic<std::uint64_t> *destroyed;
                explicit Counted(std::atomic<std::uint64_t> &d) : destroyed(&d) {}
                Counted(Counted &&other) noexcept : destroyed(std::exchange(other.destroyed, nullptr)) {}
                ~Counted()
                {
                    if (destroyed)
                        destroyed->fetch_add(1);
                }
                void operator()() {}
            };
            while (!stopPosting.load()) {
                unitsCreated.fetch_add(1);
                pool->post(Counted(unitsDestroyed));
                if (pool->snapshot().queued > 5'000)
                    std::this_thread::yield(); // bounded memory, not pacing
            }
        });

        const int actions = pick(3, 20);
        const auto actionsUntil = std::chrono::steady_clock::now() + 300ms;
        for (int action = 0; action < actions && std::chrono::steady_clock::now() < actionsUntil; ++action) {
            switch (pick(0, 3)) {
            case 0: pool->setWorkerCount(pick(0, 6)); break;
            case 1: pool->setConcurrency(pick(0, 3)); break;
            case 2: pool->resetPeaks(); break;
            default: {
                const IoSnapshot io = pool->ioService()->snapshot();
                QVERIFY2(io.total.started == io.total.outstanding + io.total.completed + io.total.failed +
                                                 io.total.cancelled,
                         where.c_str());
                break;
            }
            }
            for (int spin = pick(0, 50); spin > 0; --spin)
                std::this_thread::yield(); // a yield may cost a time slice here: a few only
        }
        if (pool->snapshot().targetWorkers == 0 && pick(0, 1) == 0)
            pool->setWorkerCount(1); // sometimes a graceful drain begins with workers, sometimes without

        // The end, with clients, reads and the producer still going.
        const int ending = pick(0, 2);
        std::optional<ShutdownResult> result;
        if (ending == 0)
            result = pool->shutdown(ShutdownMode::Fast, std::chrono::milliseconds(pick(0, 20)));
        else if (ending == 1)
            result = pool->shutdown(ShutdownMode::Graceful, std::chrono::milliseconds(pick(0, 50)));
        else
            pool->cancelQueued();
        stopPosting.store(true);
        producer.join();
        stopClients.store(true);
        clientThread.join();

        // The port is closed and the service shut down: every record is back by now, or is
        // being handed back by a worker that dequeued it before the close.
        server->stop();
        reads->stop();
        if (!server->waitUntilStopped(60s) || !reads->waitUntilStopped(60s))
            qFatal("%s: a record never came back to its driver (ending %d)", where.c_str(), ending);
        const IoSnapshot io = pool->ioService()->snapshot();
        const std::string counts = where + ": started " + std::to_string(io.total.started) + " outstanding " +
                                   std::to_string(io.total.outstanding) + " undelivered " +
                                   std::to_string(io.undelivered) + " ending " + std::to_string(ending);
        QVERIFY2(io.total.outstanding == 0, counts.c_str());
        QVERIFY2(io.undelivered == 0, counts.c_str());
        QVERIFY2(io.total.started == io.total.completed + io.total.failed + io.total.cancelled, counts.c_str());
        QVERIFY2(!io.accepting, counts.c_str());
        if (result)
            QVERIFY2(result->io.stillOutstanding == 0 || result->io.deadlineMissed, counts.c_str());
        QCOMPARE(reads->counters().mismatches, 0u);
        QCOMPARE(clients.mismatches, 0u);
        ioOperations += io.total.started;
        reads.reset();
        server.reset();
        pool.reset();
        QCOMPARE(unitsDestroyed.load(), unitsCreated.load());
    }
    qInfo("I/O: %d rounds, %llu operations", rounds, static_cast<unsigned long long>(ioOperations));
    QVERIFY(rounds > 0);
}

QTEST_GUILESS_MAIN(TestChaos)
#include "tst_chaos.moc"
