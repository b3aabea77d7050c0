// The completion port's promises, one test each: LIFO wake, one wake per post, the
// dequeue outcomes, the concurrency limit and BlockingScope, close.

#include "completionport.h"
#include "testpoints.h"
#include "threadhooks.h"
#include "threadtimeslice.h"
#include "testprinters.h"

#include <QtTest>

#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include <sched.h>
#include <unistd.h>

using namespace poolscope;
using namespace std::chrono_literals;

class TestCompletionPort : public QObject {
    Q_OBJECT

private slots:
    void outcomes_data();
    void outcomes();
    void timeoutWithoutPacket();
    void closedPortRefusesAndWakes();
    void closeHandsBackQueuedPacketsInOrder();
    void fifoForOneProducer();
    void lifoWakeOrder();
    void onePostWakesOneWaiter();
    void concurrencyLimitKeepsPacketsQueued();
    void blockingScopeReleasesAnotherWaiter();
    void raisingConcurrencyReleasesWaiters();
    void zeroConcurrencyMeansProcessorCount();
    void backlogBeyondTheRingKeepsEveryPacket();
    void manyProducersManyConsumersLoseNothing();
    void eachProducersOrderHoldsAcrossSegmentsAndTheOverflow_data();
    void eachProducersOrderHoldsAcrossSegmentsAndTheOverflow();
    void peaksAndReset();
    void fastPathMakesNoSyscall();
    void dequeueSaysWhetherItWaited();
    void aSpinningWaiterTakesAPostWithoutAWake();
    void postsBeyondTheSpinnersWakeTheMostRecentlyParked();
    void aSpinnerThatLosesItsPacketToAFullSpinCountParks();
    void aSpinnerYieldsToAWokenThreadOnItsCpu();
    void aSpinnerOnItsWakersCpuYieldsToTheWaker();
    void theSpinIsJudgedByWhenThePacketCameNotWhenTheThreadRan_data();
    void theSpinIsJudgedByWhenThePacketCameNotWhenTheThreadRan();
    void anAdaptiveSliceIsShortOnlyWhileWakesAreSparse();
};

void TestCompletionPort::outcomes_data()
{
    QTest::addColumn<quintptr>("overlapped");
    QTest::addColumn<quint32>("bytes");
    QTest::addColumn<quint32>("status");
    QTest::addColumn<int>("expected");

    QTest::newRow("user posted: no overlapped") << quintptr(0) << 12u << 0u << int(DequeueOutcome::UserPosted);
    QTest::newRow("user posted even with a status") << quintptr(0) << 0u << 5u << int(DequeueOutcome::UserPosted);
    QTest::newRow("io failed") << quintptr(0x1000) << 7u << 32u << int(DequeueOutcome::IoFailed);
    QTest::newRow("end of stream: 0 bytes") << quintptr(0x1000) << 0u << 0u << int(DequeueOutcome::EndOfStream);
    QTest::newRow("bytes transferred") << quintptr(0x1000) << 4096u << 0u << int(DequeueOutcome::BytesTransferred);
}

void TestCompletionPort::outcomes()
{
    QFETCH(quintptr, overlapped);
    QFETCH(quint32, bytes);
    QFETCH(quint32, status);
    QFETCH(int, expected);

    CompletionPort port(1);
    const CompletionPacket packet{42, reinterpret_cast<void *>(overlapped), bytes, status};
    QVERIFY(port.post(packet));
    const DequeueResult result = port.dequeue(1s);
    QCOMPARE(int(result.outcome), expected);
    QVERIFY(result.hasPacket());
    QVERIFY(result.packet == packet);
}

void TestCompletionPort::timeoutWithoutPacket()
{
    CompletionPort port(1);
    const auto before = std::chrono::steady_clock::now();
    const DequeueResult result = port.dequeue(20ms);
    QCOMPARE(result.outcome, DequeueOutcome::Timeout);
    QVERIFY(!result.hasPacket());
    QVERIFY(std::chrono::steady_clock::now() - before >= 20ms);
    QCOMPARE(port.dequeue(0ns).outcome, DequeueOutcome::Timeout); // a poll
    QCOMPARE(port.counters().parked, 0u);                          // the timed-out waiter left the stack
}

void TestCompletionPort::closedPortRefusesAndWakes()
{
    CompletionPort port(2);
    std::atomic<int> closedSeen{0};
    std::vector<std::thread> waiters;
    for (int i = 0; i < 3; ++i)
        waiters.emplace_back([&] {
            if (port.dequeue().outcome == DequeueOutcome::Closed)
                closedSeen.fetch_add(1);
        });
    QTRY_COMPARE(port.counters().parked, 3u);
    QVERIFY(port.close().empty());
    for (auto &waiter : waiters)
        waiter.join();
    QCOMPARE(closedSeen.load(), 3);
    QVERIFY(port.isClosed());
    QVERIFY(!port.post({1, nullptr, 0, 0}));
    QCOMPARE(port.dequeue(0ns).outcome, DequeueOutcome::Closed);
    QCOMPARE(port.dequeue(10ms).outcome, DequeueOutcome::Closed);
    QVERIFY(port.close().empty()); // a second close returns nothing
}

void TestCompletionPort::closeHandsBackQueuedPacketsInOrder()
{
    CompletionPort port(1);
    for (std::uintptr_t key = 1; key <= 100; ++key)
        QVERIFY(port.post({.key = key, .payload = {key, key * 3, ~key, key << 40}}));
    QCOMPARE(port.dequeue(0ns).packet.key, std::uintptr_t(1));
    const std::vector<CompletionPacket> remaining = port.close();
    QCOMPARE(remaining.size(), std::size_t(99));
    for (std::size_t i = 0; i < remaining.size(); ++i) {
        const std::uintptr_t key = i + 2;
        QCOMPARE(remaining[i].key, key);
        QVERIFY(remaining[i].payload == (std::array<std::uint64_t, 4>{key, key * 3, ~key, key << 40}));
    }
    QCOMPARE(port.counters().queued, std::uint64_t(0));
}

void TestCompletionPort::fifoForOneProducer()
{
    CompletionPort port(1);
    constexpr std::uintptr_t Count = 50'000; // crosses the ring into the overflow and back
    std::thread producer([&] {
        for (std::uintptr_t key = 1; key <= Count; ++key)
            port.post({key, nullptr, 0, 0});
    });
    std::uintptr_t expected = 1;
    bool inOrder = true;
    while (expected <= Count) {
        const DequeueResult result = port.dequeue(5s);
        if (!result.hasPacket())
            break;
        inOrder = inOrder && result.packet.key == expected;
        ++expected;
    }
    producer.join();
    QCOMPARE(expected, Count + 1);
    QVERIFY(inOrder);
}

// Parks three threads in a known order, then posts one packet at a time: the most recently
// parked thread must wake first, and the others must stay asleep.
void TestCompletionPort::lifoWakeOrder()
{
    CompletionPort port(3);
    std::atomic<int> wakeOrder[3] = {-1, -1, -1};
    std::atomic<int> woken{0};
    std::vector<std::thread> waiters;
    for (int id = 0; id < 3; ++id) {
        waiters.emplace_back([&, id] {
            const DequeueResult result = port.dequeue(10s);
            if (result.hasPacket())
                wakeOrder[woken.fetch_add(1)].store(id);
        });
        QTRY_COMPARE(port.counters().parked, unsigned(id + 1));
    }
    for (int posted = 1; posted <= 3; ++posted) {
        QVERIFY(port.post({std::uintptr_t(posted), nullptr, 0, 0}));
        QTRY_COMPARE(woken.load(), posted);
        QCOMPARE(port.counters().parked, unsigned(3 - posted));
    }
    for (auto &waiter : waiters)
        waiter.join();
    QCOMPARE(wakeOrder[0].load(), 2);
    QCOMPARE(wakeOrder[1].load(), 1);
    QCOMPARE(wakeOrder[2].load(), 0);
}

void TestCompletionPort::onePostWakesOneWaiter()
{
    CompletionPort port(4);
    std::atomic<int> woken{0};
    std::vector<std::thread> waiters;
    for (int i = 0; i < 4; ++i)
        waiters.emplace_back([&] {
            if (port.dequeue(10s).hasPacket())
                woken.fetch_add(1);
        });
    QTRY_COMPARE(port.counters().parked, 4u);
    QVERIFY(port.post({1, nullptr, 0, 0}));
    QTRY_COMPARE(woken.load(), 1);
    // Nothing else may wake: give a thundering herd time to show itself.
    QTest::qWait(100);
    QCOMPARE(woken.load(), 1);
    QCOMPARE(port.counters().parked, 3u);
    port.close();
    for (auto &waiter : waiters)
        waiter.join();
}

// With N = 1 and a thread running a packet, a second packet stays queued and the second
// waiter stays parked until the first thread comes back to dequeue().
void TestCompletionPort::concurrencyLimitKeepsPacketsQueued()
{
    CompletionPort port(1);
    QVERIFY(port.post({1, nullptr, 0, 0}));
    QCOMPARE(port.dequeue(1s).packet.key, std::uintptr_t(1)); // this thread now runs
    QCOMPARE(port.counters().running, 1u);

    std::atomic<bool> otherGotPacket{false};
    std::thread other([&] { otherGotPacket = port.dequeue(10s).hasPacket(); });
    QTRY_COMPARE(port.counters().parked, 1u);
    QVERIFY(port.post({2, nullptr, 0, 0}));
    QTest::qWait(50);
    QVERIFY(!otherGotPacket.load());
    QCOMPARE(port.counters().queued, std::uint64_t(1));

    // Coming back to dequeue releases the slot; this thread takes the packet itself (it is
    // the most recent arrival), so the parked one still sleeps.
    const DequeueResult second = port.dequeue(1s);
    QCOMPARE(second.packet.key, std::uintptr_t(2));
    QVERIFY(!otherGotPacket.load());
    port.leave(); // and now nothing runs here
    QCOMPARE(port.counters().running, 0u);
    QVERIFY(port.post({3, nullptr, 0, 0}));
    QTRY_VERIFY(otherGotPacket.load());
    other.join();
}

void TestCompletionPort::blockingScopeReleasesAnotherWaiter()
{
    CompletionPort port(1);
    std::atomic<bool> otherGotPacket{false};
    QVERIFY(port.post({1, nullptr, 0, 0}));
    QVERIFY(port.dequeue(1s).hasPacket());
    std::thread other([&] { otherGotPacket = port.dequeue(10s).hasPacket(); });
    QTRY_COMPARE(port.counters().parked, 1u);
    QVERIFY(port.post({2, nullptr, 0, 0}));
    QTest::qWait(30);
    QVERIFY(!otherGotPacket.load());
    {
        BlockingScope blocked;
        QTRY_VERIFY(otherGotPacket.load());
        QCOMPARE(port.counters().running, 1u); // the other thread; this one is blocked
        {
            BlockingScope nested; // nesting counts once
            QCOMPARE(port.counters().running, 1u);
        }
        QCOMPARE(port.counters().running, 1u);
    }
    QCOMPARE(port.counters().running, 2u); // over-subscribed, as on Windows, until threads return
    other.join();                           // the other thread still "runs" its packet
    port.leave();
    QCOMPARE(port.counters().running, 1u);
    QCOMPARE(port.counters().peakRunning, 2u);
}

void TestCompletionPort::raisingConcurrencyReleasesWaiters()
{
    CompletionPort port(1);
    std::atomic<int> got{0};
    QVERIFY(port.post({1, nullptr, 0, 0}));
    QVERIFY(port.dequeue(1s).hasPacket()); // occupies the only slot
    std::vector<std::thread> waiters;
    for (int i = 0; i < 2; ++i)
        waiters.emplace_back([&] {
            if (port.dequeue(10s).hasPacket())
                got.fetch_add(1);
        });
    QTRY_COMPARE(port.counters().parked, 2u);
    QVERIFY(port.post({2, nullptr, 0, 0}));
    QVERIFY(port.post({3, nullptr, 0, 0}));
    QTest::qWait(30);
    QCOMPARE(got.load(), 0);
    port.setConcurrency(3);
    QCOMPARE(port.concurrency(), 3u);
    QTRY_COMPARE(got.load(), 2);
    for (auto &waiter : waiters)
        waiter.join();
    port.leave();
}

void TestCompletionPort::zeroConcurrencyMeansProcessorCount()
{
    CompletionPort port(0);
    QCOMPARE(port.concurrency(), CompletionPort::processorCount());
    port.setConcurrency(0);
    QCOMPARE(port.concurrency(), CompletionPort::processorCount());
    QVERIFY(std::string_view(CompletionPort::backendName()).size() > 0);
}

void TestCompletionPort::backlogBeyondTheRingKeepsEveryPacket()
{
    CompletionPort port(2);
    constexpr std::uintptr_t Count = 200'000;
    for (std::uintptr_t key = 1; key <= Count; ++key)
        QVERIFY(port.post({key, nullptr, 0, 0}));
    QCOMPARE(port.counters().queued, std::uint64_t(Count));
    QCOMPARE(port.counters().peakQueued, std::uint64_t(Count));
    std::uintptr_t sum = 0;
    for (std::uintptr_t i = 0; i < Count; ++i)
        sum += port.dequeue(0ns).packet.key;
    QCOMPARE(sum, Count * (Count + 1) / 2);
    QCOMPARE(port.dequeue(0ns).outcome, DequeueOutcome::Timeout);
}

void TestCompletionPort::manyProducersManyConsumersLoseNothing()
{
    CompletionPort port(3);
    constexpr int Producers = 3, PerProducer = 100'000, Consumers = 4;
    std::atomic<std::uint64_t> consumedSum{0}, consumedCount{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < Consumers; ++c)
        threads.emplace_back([&] {
            for (;;) {
                const DequeueResult result = port.dequeue();
                if (result.outcome == DequeueOutcome::Closed)
                    return;
                consumedSum.fetch_add(result.packet.key, std::memory_order_relaxed);
                consumedCount.fetch_add(1, std::memory_order_relaxed);
            }
        });
    std::vector<std::thread> producers;
    for (int p = 0; p < Producers; ++p)
        producers.emplace_back([&, p] {
            for (int i = 1; i <= PerProducer; ++i)
                port.post({std::uintptr_t(p * PerProducer + i), nullptr, 0, 0});
        });
    for (auto &producer : producers)
        producer.join();
    QTRY_COMPARE_WITH_TIMEOUT(consumedCount.load(), std::uint64_t(Producers * PerProducer), 30000);
    port.close();
    for (auto &thread : threads)
        thread.join();
    const std::uint64_t n = Producers * PerProducer;
    QCOMPARE(consumedSum.load(), n * (n + 1) / 2);
}

void TestCompletionPort::eachProducersOrderHoldsAcrossSegmentsAndTheOverflow_data()
{
    QTest::addColumn<bool>("consumersStartLate");
    // Late: the whole backlog is queued first, far past the queue's segment directory in the
    // test build (8192 cells), so most of it waits in the overflow list and is moved into the
    // cells by the consumers; alongside: producers and consumers race through segment after
    // segment, each freed and recycled as it empties.
    QTest::newRow("consumers start late") << true;
    QTest::newRow("consumers alongside") << false;
}

void TestCompletionPort::eachProducersOrderHoldsAcrossSegmentsAndTheOverflow()
{
    QFETCH(bool, consumersStartLate);
    constexpr int Producers = 4, Consumers = 3;
    constexpr std::uint32_t PerProducer = 60'000;
    CompletionPort port(2);
    std::atomic<std::uint64_t> received{0};
    std::atomic<int> orderViolations{0};
    std::atomic<int> payloadsChanged{0};
    // Each packet's payload, made from its producer and sequence, must arrive as it was sent.
    const auto payloadOf = [](std::uint64_t producer, std::uint64_t sequence) {
        return std::array<std::uint64_t, 4>{sequence, producer, ~sequence, (producer << 32) | sequence};
    };
    std::vector<std::vector<std::uint32_t>> countBySequence(Producers, std::vector<std::uint32_t>(PerProducer, 0));
    std::mutex countsMutex;
    std::vector<std::thread> consumers;
    auto startConsumers = [&] {
        for (int c = 0; c < Consumers; ++c)
            consumers.emplace_back([&] {
                std::vector<std::int64_t> last(Producers, -1);
                std::vector<std::vector<std::uint32_t>> seen(Producers);
                for (;;) {
                    const DequeueResult result = port.dequeue();
                    if (!result.hasPacket())
                        break;
                    const auto producer = static_cast<std::size_t>(result.packet.key);
                    // Per consumer, each producer's packets must come in increasing order.
                    if (std::int64_t(result.packet.bytes) <= last[producer])
                        orderViolations.fetch_add(1);
                    last[producer] = result.packet.bytes;
                    if (result.packet.payload != payloadOf(producer, result.packet.bytes))
                        payloadsChanged.fetch_add(1);
                    seen[producer].push_back(result.packet.bytes);
                    received.fetch_add(1);
                }
                std::lock_guard lock(countsMutex);
                for (std::size_t p = 0; p < seen.size(); ++p)
                    for (const std::uint32_t sequence : seen[p])
                        ++countBySequence[p][sequence];
            });
    };
    if (!consumersStartLate)
        startConsumers();
    std::vector<std::thread> producers;
    for (int p = 0; p < Producers; ++p)
        producers.emplace_back([&, p] {
            for (std::uint32_t sequence = 0; sequence < PerProducer; ++sequence)
                QVERIFY(port.post({.key = std::uintptr_t(p), .bytes = sequence, .payload = payloadOf(std::uint64_t(p), sequence)}));
        });
    for (std::thread &producer : producers)
        producer.join();
    if (consumersStartLate) {
        QCOMPARE(port.counters().queued, std::uint64_t(Producers) * PerProducer);
        startConsumers();
    }
    QTRY_COMPARE_WITH_TIMEOUT(received.load(), std::uint64_t(Producers) * PerProducer, 60000);
    QCOMPARE(port.counters().queued, std::uint64_t(0));
    port.close();
    for (std::thread &consumer : consumers)
        consumer.join();
    QCOMPARE(orderViolations.load(), 0);
    QCOMPARE(payloadsChanged.load(), 0);
    for (int p = 0; p < Producers; ++p)
        for (std::uint32_t sequence = 0; sequence < PerProducer; ++sequence)
            QVERIFY2(countBySequence[std::size_t(p)][sequence] == 1,
                     qPrintable(QString("producer %1 packet %2 came %3 times").arg(p).arg(sequence).arg(countBySequence[std::size_t(p)][sequence])));
}

void TestCompletionPort::peaksAndReset()
{
    CompletionPort port(2);
    for (int i = 0; i < 5; ++i)
        port.post({1, nullptr, 0, 0});
    QVERIFY(port.dequeue(0ns).hasPacket());
    QCOMPARE(port.counters().peakQueued, std::uint64_t(5));
    QCOMPARE(port.counters().peakRunning, 1u);
    port.resetPeaks();
    QCOMPARE(port.counters().peakQueued, std::uint64_t(4));
    port.leave();
    port.resetPeaks();
    QCOMPARE(port.counters().peakRunning, 0u);
}

// A post and a dequeue with no parked thread take no lock and make no syscall: the port
// counts every park and wake (each is one futex call) and neither may move.
void TestCompletionPort::fastPathMakesNoSyscall()
{
    CompletionPort port(2);
    for (std::uintptr_t i = 0; i < 100'000; ++i) {
        port.post({i, nullptr, 0, 0});
        port.dequeue(0ns);
    }
    // The same with a second, awake (running) thread taking the packets.
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> taken{0};
    std::thread consumer([&] {
        while (!stop.load()) {
            if (port.dequeue(0ns).hasPacket())
                taken.fetch_add(1);
        }
    });
    for (std::uintptr_t i = 0; i < 100'000; ++i)
        port.post({i, nullptr, 0, 0});
    QTRY_COMPARE(taken.load(), std::uint64_t(100'000));
    stop = true;
    consumer.join();
    QCOMPARE(port.counters().parks, std::uint64_t(0));
    QCOMPARE(port.counters().wakes, std::uint64_t(0));

    // The slow path does count: one park, one wake.
    std::thread sleeper([&] { port.dequeue(10s); });
    QTRY_COMPARE(port.counters().parked, 1u);
    port.post({1, nullptr, 0, 0});
    sleeper.join();
    QCOMPARE(port.counters().parks, std::uint64_t(1));
    QCOMPARE(port.counters().wakes, std::uint64_t(1));
}

// A packet taken at once says it did not wait (the pool's latency timing then reuses the
// clock reading it took just before the call); one the thread parked for says it did.
void TestCompletionPort::dequeueSaysWhetherItWaited()
{
    CompletionPort port(2);
    QVERIFY(port.post({1, nullptr, 0, 0}));
    const DequeueResult atOnce = port.dequeue(1s);
    QCOMPARE(atOnce.packet.key, std::uintptr_t(1));
    QVERIFY(!atOnce.waited);

    std::atomic<int> waited{-1};
    std::thread sleeper([&] { waited = port.dequeue(10s).waited ? 1 : 0; });
    QTRY_COMPARE(port.counters().parked, 1u);
    QVERIFY(port.post({2, nullptr, 0, 0}));
    sleeper.join();
    QCOMPARE(waited.load(), 1);
}

namespace {

void pinCurrentThread(const cpu_set_t &cpus) { sched_setaffinity(0, sizeof cpus, &cpus); }

// The first two CPUs of `allowed` (fewer if it has fewer).
std::vector<int> firstTwoCpus(const cpu_set_t &allowed)
{
    std::vector<int> cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE && cpus.size() < 2; ++cpu)
        if (CPU_ISSET(static_cast<std::size_t>(cpu), &allowed))
            cpus.push_back(cpu);
    return cpus;
}

cpu_set_t onlyCpu(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(static_cast<std::size_t>(cpu), &set);
    return set;
}

// A thread that dequeues once from `port` and keeps the packet's key in `got` (0: none).
std::thread takeOne(CompletionPort &port, std::atomic<std::uintptr_t> &got)
{
    return std::thread([&port, &got] { got = port.dequeue(30s).packet.key; });
}

// The same, stopped at its first look as a spinning waiter (released by the caller, after
// testpoints::waitUntilPaused("port.spin.look")).
std::thread takeOneAfterAHeldSpin(CompletionPort &port, std::atomic<std::uintptr_t> &got)
{
    testpoints::pauseAt("port.spin.look");
    return takeOne(port, got);
}

} // namespace

// A waiter still spinning takes the next packet itself: the post wakes no parked thread
// (no futex wake, no second thread finding the queue empty).
void TestCompletionPort::aSpinningWaiterTakesAPostWithoutAWake()
{
    testpoints::Scope scope;
    CompletionPort port(4);
    std::atomic<std::uintptr_t> parkedGot{0};
    std::atomic<std::uintptr_t> spinnerGot{0};
    std::thread parked = takeOne(port, parkedGot);
    QTRY_COMPARE_WITH_TIMEOUT(port.counters().parked, 1u, 30000);
    std::thread spinner = takeOneAfterAHeldSpin(port, spinnerGot);
    QVERIFY(testpoints::waitUntilPaused("port.spin.look", 30s));

    QVERIFY(port.post({7, nullptr, 0, 0}));
    QCOMPARE(port.counters().wakes, std::uint64_t(0));
    QCOMPARE(port.counters().parked, 1u);
    testpoints::release("port.spin.look");
    spinner.join();
    QCOMPARE(spinnerGot.load(), std::uintptr_t(7));
    QCOMPARE(port.counters().wakes, std::uint64_t(0));
    QCOMPARE(port.counters().parked, 1u);

    port.close();
    parked.join();
    QCOMPARE(parkedGot.load(), std::uintptr_t(0));
}

// Packets beyond what the spinning waiters will take wake parked threads, the most recently
// parked first, one per packet.
void TestCompletionPort::postsBeyondTheSpinnersWakeTheMostRecentlyParked()
{
    testpoints::Scope scope;
    CompletionPort port(4);
    std::atomic<std::uintptr_t> firstGot{0};
    std::atomic<std::uintptr_t> secondGot{0};
    std::atomic<std::uintptr_t> spinnerGot{0};
    std::thread first = takeOne(port, firstGot);
    QTRY_COMPARE_WITH_TIMEOUT(port.counters().parked, 1u, 30000);
    std::thread second = takeOne(port, secondGot);
    QTRY_COMPARE_WITH_TIMEOUT(port.counters().parked, 2u, 30000);
    std::thread spinner = takeOneAfterAHeldSpin(port, spinnerGot);
    QVERIFY(testpoints::waitUntilPaused("port.spin.look", 30s));

    QVERIFY(port.post({1, nullptr, 0, 0})); // the spinner's
    QCOMPARE(port.counters().wakes, std::uint64_t(0));
    QVERIFY(port.post({2, nullptr, 0, 0})); // one more than the spinner takes: one wake
    QCOMPARE(port.counters().wakes, std::uint64_t(1));
    second.join();
    QVERIFY(secondGot.load() != 0);
    QCOMPARE(port.counters().parked, 1u);

    testpoints::release("port.spin.look");
    spinner.join();
    QVERIFY(spinnerGot.load() != 0);
    QCOMPARE(spinnerGot.load() + secondGot.load(), std::uintptr_t(3));
    QCOMPARE(port.counters().wakes, std::uint64_t(1));

    port.close();
    first.join();
    QCOMPARE(firstGot.load(), std::uintptr_t(0));
}

// A spinner that saw a packet becomes a running thread, then claims it. When another thread
// took the packet meanwhile and MaxSpinning (3) others spin by then, it must park, not count
// a fourth spinner: the field holds three, and a fourth carried into the draining and closed
// bits, so that the port closed itself once empty (found by manyProducersManyConsumers, 1 run
// in 10 beside other tests).
void TestCompletionPort::aSpinnerThatLosesItsPacketToAFullSpinCountParks()
{
    testpoints::Scope scope;
    CompletionPort port(8);
    std::atomic<std::uintptr_t> loserGot{0};
    std::thread loser = takeOneAfterAHeldSpin(port, loserGot);
    QVERIFY(testpoints::waitUntilPaused("port.spin.look", 30s));
    QVERIFY(port.post({1, nullptr, 0, 0}));
    testpoints::pauseAt("port.spin.claiming");
    testpoints::release("port.spin.look");
    QVERIFY(testpoints::waitUntilPaused("port.spin.claiming", 30s));

    // This thread takes the packet the loser saw, and three others fill the spin count.
    QCOMPARE(port.dequeue(0ns).packet.key, std::uintptr_t(1));
    std::atomic<int> spinnersLooking{0};
    testpoints::onReach("port.spin.look", [&](int) { spinnersLooking.fetch_add(1); });
    testpoints::pauseAt("port.spin.look", 3);
    std::atomic<std::uintptr_t> got[3]{};
    std::vector<std::thread> spinners;
    for (auto &slot : got)
        spinners.push_back(takeOne(port, slot));
    QTRY_COMPARE_WITH_TIMEOUT(spinnersLooking.load(), 3, 30000);

    testpoints::release("port.spin.claiming"); // its claim fails: the queue is empty
    QTRY_COMPARE_WITH_TIMEOUT(port.counters().parked, 1u, 30000);
    QVERIFY(!port.isClosed());

    // Every thread still gets a packet, none is told the port closed.
    testpoints::reset();
    port.leave();
    for (std::uintptr_t key = 2; key <= 5; ++key)
        QVERIFY(port.post({key, nullptr, 0, 0}));
    loser.join();
    for (auto &spinner : spinners)
        spinner.join();
    std::uintptr_t sum = loserGot.load();
    for (auto &slot : got) {
        QVERIFY(slot.load() != 0);
        sum += slot.load();
    }
    QVERIFY(loserGot.load() != 0);
    QCOMPARE(sum, std::uintptr_t(2 + 3 + 4 + 5));
    QVERIFY(!port.isClosed());
}

// A spinner gives up its CPU to a thread that was handed a packet and waits to start on
// that CPU (the kernel would otherwise let the spinner finish its slice first), and leaves
// a woken thread on another CPU alone.
void TestCompletionPort::aSpinnerYieldsToAWokenThreadOnItsCpu()
{
    testpoints::Scope scope;
    cpu_set_t allowed;
    QCOMPARE(sched_getaffinity(0, sizeof allowed, &allowed), 0);
    const std::vector<int> cpus = firstTwoCpus(allowed);
    std::atomic<int> yields{0};
    testpoints::onReach("port.spin.yieldToWoken", [&](int) { yields.fetch_add(1); });

    // The woken thread parks on `wokenCpu`, the spinner spins on `spinnerCpu`, and the
    // woken thread is held between its wake and its start while the spinner looks.
    struct Run {
        bool parked = false;
        bool spinning = false;
        bool held = false;
        bool yielded = false;
    };
    const auto run = [&](int wokenCpu, int spinnerCpu) {
        Run result;
        yields.store(0);
        CompletionPort port(4);
        std::thread woken([&] {
            pinCurrentThread(onlyCpu(wokenCpu));
            port.dequeue(30s);
        });
        result.parked = QTest::qWaitFor([&] { return port.counters().parked == 1u; }, 30000);

        testpoints::pauseAt("port.spin.look");
        testpoints::pauseAt("port.park.granted");
        std::thread spinner([&] {
            pinCurrentThread(onlyCpu(spinnerCpu));
            port.dequeue(30s);
        });
        result.spinning = testpoints::waitUntilPaused("port.spin.look", 30s);
        port.post({1, nullptr, 0, 0}); // the spinner's
        port.post({2, nullptr, 0, 0}); // wakes the parked thread
        result.held = testpoints::waitUntilPaused("port.park.granted", 30s);
        testpoints::release("port.spin.look");
        spinner.join();
        result.yielded = yields.load() > 0;
        testpoints::release("port.park.granted");
        woken.join();
        port.close();
        return result;
    };

    const Run sameCpu = run(cpus[0], cpus[0]);
    QVERIFY(sameCpu.parked && sameCpu.spinning && sameCpu.held);
    QVERIFY(sameCpu.yielded);
    if (cpus.size() < 2)
        QSKIP("needs two CPUs for the other half");
    const Run otherCpu = run(cpus[0], cpus[1]);
    QVERIFY(otherCpu.parked && otherCpu.spinning && otherCpu.held);
    QVERIFY(!otherCpu.yielded);
}

void TestCompletionPort::aSpinnerOnItsWakersCpuYieldsToTheWaker()
{
    testpoints::Scope scope;
    cpu_set_t allowed;
    QCOMPARE(sched_getaffinity(0, sizeof allowed, &allowed), 0);
    const std::vector<int> cpus = firstTwoCpus(allowed);
    std::atomic<int> yields{0};
    testpoints::onReach("port.spin.yieldToWaker", [&](int) { yields.fetch_add(1); });

    // A thread pinned to cpus[0] parks, a poster pinned to `posterCpu` wakes it with a
    // packet, and the thread then finds no packet: it spins (a long park leaves it half its
    // looks) and parks again. With `anotherAwake`, a second thread holds a packet meanwhile.
    struct Run {
        bool parked = false;
        bool tookThePacket = false;
        bool parkedAgain = false;
        bool anotherHeldAPacket = false;
        int yields = 0;
    };
    const auto run = [&](int posterCpu, bool anotherAwake) {
        Run result;
        yields.store(0);
        CompletionPort port(4);
        std::latch letGo(1);
        std::thread holder;
        if (anotherAwake) {
            std::latch holding(1);
            std::atomic<bool> holds{false};
            port.post({9, nullptr, 0, 0});
            holder = std::thread([&] {
                holds.store(port.dequeue(30s).packet.key == 9);
                holding.count_down();
                letGo.wait(); // running, with the packet
                port.dequeue(30s); // until the close
            });
            holding.wait();
            result.anotherHeldAPacket = holds.load();
        }
        std::atomic<bool> tookThePacket{false};
        std::thread worker([&] {
            pinCurrentThread(onlyCpu(cpus[0]));
            tookThePacket.store(port.dequeue(30s).packet.key == 7);
            port.dequeue(30s); // until the close
        });
        result.parked = QTest::qWaitFor([&] { return port.counters().parked == 1u; }, 30000);
        std::thread poster([&] {
            pinCurrentThread(onlyCpu(posterCpu));
            port.post({7, nullptr, 0, 0});
        });
        poster.join();
        result.parkedAgain = QTest::qWaitFor([&] { return port.counters().parks == 2u; }, 30000);
        result.tookThePacket = tookThePacket.load();
        result.yields = yields.load();
        letGo.count_down();
        port.close();
        worker.join();
        if (holder.joinable())
            holder.join();
        return result;
    };

    const Run besideItsWaker = run(cpus[0], true);
    QVERIFY(besideItsWaker.anotherHeldAPacket);
    QVERIFY(besideItsWaker.parked && besideItsWaker.tookThePacket && besideItsWaker.parkedAgain);
    QVERIFY(besideItsWaker.yields > 0);
    // The one thread awake keeps spinning: no one else would take the packets.
    const Run aloneBesideItsWaker = run(cpus[0], false);
    QVERIFY(aloneBesideItsWaker.parked && aloneBesideItsWaker.tookThePacket && aloneBesideItsWaker.parkedAgain);
    QCOMPARE(aloneBesideItsWaker.yields, 0);
    if (cpus.size() < 2)
        QSKIP("needs two CPUs for the other half");
    const Run awayFromItsWaker = run(cpus[1], true);
    QVERIFY(awayFromItsWaker.anotherHeldAPacket);
    QVERIFY(awayFromItsWaker.parked && awayFromItsWaker.tookThePacket && awayFromItsWaker.parkedAgain);
    QCOMPARE(awayFromItsWaker.yields, 0);
}

// How long a thread spins before it parks follows its own parks: a packet granted soon after
// it parked says a spin would have caught it (keep the spin), one granted long after says
// the spin was wasted (halve it). "Soon" is judged by when the packet was granted, not by
// when the thread got to run: waking a parked thread on an idle vCPU can take longer than
// the spin, and a stream's workers then talked themselves out of spinning at all.
void TestCompletionPort::theSpinIsJudgedByWhenThePacketCameNotWhenTheThreadRan_data()
{
    QTest::addColumn<bool>("grantedAtOnce");
    QTest::addColumn<bool>("spinKept");
    QTest::newRow("granted as it parked, started late") << true << true;
    QTest::newRow("granted long after it parked") << false << false;
}

void TestCompletionPort::theSpinIsJudgedByWhenThePacketCameNotWhenTheThreadRan()
{
    QFETCH(bool, grantedAtOnce);
    QFETCH(bool, spinKept);
    testpoints::Scope scope;
    CompletionPort port(4);
    std::atomic<int> looks{0};
    testpoints::onReach("port.spin.look", [&](int) { looks.fetch_add(1); });
    testpoints::pauseAt(grantedAtOnce ? "port.park.pushed" : "port.park.clocked");
    testpoints::pauseAt("port.park.granted");

    // The thread spins its whole budget (nothing is posted), parks and is handed a packet;
    // then it spins again, as long as its budget now says, and parks until the close.
    std::atomic<std::uintptr_t> got{0};
    std::atomic<int> firstSpin{-1};
    std::atomic<int> secondSpin{-1};
    std::thread thread([&] {
        got = port.dequeue(30s).packet.key;
        const int before = looks.load();
        firstSpin = before;
        port.dequeue(30s);
        secondSpin = looks.load() - before;
    });
    if (grantedAtOnce) {
        // Granted before the thread reads its park clock: the park took no time at all.
        QVERIFY(testpoints::waitUntilPaused("port.park.pushed", 30s));
        QVERIFY(port.post({1, nullptr, 0, 0}));
        testpoints::release("port.park.pushed");
    } else {
        // Granted a while after the park clock: longer than any spin.
        QVERIFY(testpoints::waitUntilPaused("port.park.clocked", 30s));
        std::this_thread::sleep_for(5ms); // the park's length under test, not synchronisation
        QVERIFY(port.post({1, nullptr, 0, 0}));
        testpoints::release("port.park.clocked");
    }
    // The kernel slow to run the woken thread: far longer than any spin, either way.
    QVERIFY(testpoints::waitUntilPaused("port.park.granted", 30s));
    std::this_thread::sleep_for(20ms); // the late start under test; the thread is held at the point
    testpoints::release("port.park.granted");

    QTRY_COMPARE_WITH_TIMEOUT(port.counters().parked, 1u, 30000); // the second spin is over
    port.close();
    thread.join();
    QCOMPARE(got.load(), std::uintptr_t(1));
    QVERIFY(firstSpin.load() > 1);
    if (spinKept)
        QCOMPARE(secondSpin.load(), firstSpin.load());
    else
        QCOMPARE(secondSpin.load(), firstSpin.load() / 2);
}

// A thread that opts in asks for the shortest slice when it parks with no spin left, keeps it
// while its wakes stay sparse (no syscall per wake), and returns to the kernel's default as
// soon as it takes a packet without parking.
void TestCompletionPort::anAdaptiveSliceIsShortOnlyWhileWakesAreSparse()
{
    std::chrono::nanoseconds probed{-1}, kernelDefault{-1};
    std::thread([&] {
        kernelDefault = threadTimeSlice();
        if (requestThreadTimeSlice(std::chrono::microseconds(300)))
            probed = threadTimeSlice();
    }).join();
    if (probed != std::chrono::microseconds(300))
        QSKIP("this kernel keeps no per-thread time slice (Linux >= 6.12 does)");
    QVERIFY(kernelDefault != MinThreadTimeSlice);

    testpoints::Scope scope;
    CompletionPort port(1);
    std::atomic<int> shortRequests{0}, defaultRequests{0};
    testpoints::onReach("port.slice.short", [&](int) { shortRequests.fetch_add(1); });
    testpoints::onReach("port.slice.default", [&](int) { defaultRequests.fetch_add(1); });

    // The thread dequeues only when the test lets it, so that the test arms the pause point
    // for a park before the thread can get there.
    std::counting_semaphore<> dequeues(0);
    std::vector<std::pair<std::uintptr_t, std::chrono::nanoseconds>> slices; // the thread's; read after join
    std::thread thread([&] {
        detail::setThreadAdaptiveTimeSlice(true);
        for (;;) {
            dequeues.acquire();
            const DequeueResult result = port.dequeue(30s);
            if (!result.hasPacket())
                return;
            slices.emplace_back(result.packet.key, threadTimeSlice());
        }
    });
    // A failed check returns early: the thread must still end.
    struct Joiner {
        CompletionPort &port;
        std::counting_semaphore<> &dequeues;
        std::thread &thread;
        ~Joiner()
        {
            if (!thread.joinable())
                return;
            port.close();
            testpoints::reset();
            dequeues.release(100);
            thread.join();
        }
    } joiner{port, dequeues, thread};

    // Lets the thread take `count` packets: it parks for the first, is held there longer than
    // any spin, and the packets come while it is parked.
    std::uintptr_t key = 0;
    const auto parkLongThenPost = [&](int count) {
        testpoints::pauseAt("port.park.clocked");
        dequeues.release(count);
        if (!testpoints::waitUntilPaused("port.park.clocked", 30s))
            return false;
        std::this_thread::sleep_for(1ms); // the park's length under test, not synchronisation
        for (int i = 0; i < count; ++i)
            port.post({++key, nullptr, 0, 0});
        testpoints::release("port.park.clocked");
        return true;
    };

    // Each long park halves the spin budget; the park that finds none left asks for the short
    // slice, before it parks.
    int longParks = 0;
    while (shortRequests.load() == 0 && longParks < 20) {
        QVERIFY(parkLongThenPost(1));
        ++longParks;
    }
    QCOMPARE(shortRequests.load(), 1);
    QVERIFY(longParks > 1); // a fresh thread spins first
    const std::uintptr_t firstShortWake = key;
    // Two more sparse wakes keep it, with no further request.
    QVERIFY(parkLongThenPost(1));
    QVERIFY(parkLongThenPost(1));
    // Then a packet waiting as it finishes the one it was woken for: the default again.
    QVERIFY(parkLongThenPost(2));
    // And a park once more, with no spin left.
    dequeues.release(1);
    QTRY_COMPARE_WITH_TIMEOUT(port.counters().parked, 1u, 30000);
    port.close();
    thread.join();

    QCOMPARE(shortRequests.load(), 2); // the last park found no spin left again
    QCOMPARE(defaultRequests.load(), 1);
    QCOMPARE(slices.size(), std::size_t(key));
    for (const auto &[packet, slice] : slices) {
        const auto expected = packet >= firstShortWake && packet < key
                                  ? std::chrono::nanoseconds(MinThreadTimeSlice) // the sparse wakes
                                  : kernelDefault; // spun or parked with spin left, or taken without parking
        QVERIFY2(slice == expected, qPrintable(QStringLiteral("packet %1 of %2 (first short %3): slice %4 ns, expected %5 ns")
                                                   .arg(packet)
                                                   .arg(key)
                                                   .arg(firstShortWake)
                                                   .arg(slice.count())
                                                   .arg(expected.count())));
    }
}

QTEST_GUILESS_MAIN(TestCompletionPort)
#include "tst_completionport.moc"
