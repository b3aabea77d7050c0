// What a post allocates, counted by replacing the global operator new for this test binary:
// a function unit and a notify unit travel in their packet, so posting one allocates nothing
// (DESIGN.md's "a plain function pointer with a context pointer (no allocation)"); a callable
// too large for WorkUnit's inline buffer does allocate, which shows that the count sees the
// post path.

#include "workerpool.h"

#include <QtTest>

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>

using namespace poolscope;

namespace {

// Allocations made by the calling thread. A plain thread_local counter: counting must not
// allocate.
thread_local std::uint64_t t_allocations = 0;

void *allocate(std::size_t size, std::size_t alignment)
{
    ++t_allocations;
    const std::size_t rounded = (size + alignment - 1) / alignment * alignment; // aligned_alloc wants a multiple
    void *memory = alignment <= alignof(std::max_align_t) ? std::malloc(size == 0 ? 1 : size)
                                                          : std::aligned_alloc(alignment, rounded == 0 ? alignment : rounded);
    if (memory == nullptr)
        throw std::bad_alloc();
    return memory;
}

void countRun(void *context) { static_cast<std::atomic<int> *>(context)->fetch_add(1, std::memory_order_relaxed); }

struct CountingTarget final : NotifyTarget {
    std::atomic<int> runs{0};
    void notify(void *, int) override { runs.fetch_add(1, std::memory_order_relaxed); }
};

} // namespace

// Every form, so that no allocation bypasses the count and every block goes back to free()
// (AddressSanitizer checks that new and delete match).
void *operator new(std::size_t size) { return allocate(size, alignof(std::max_align_t)); }
void *operator new[](std::size_t size) { return allocate(size, alignof(std::max_align_t)); }
void *operator new(std::size_t size, std::align_val_t alignment) { return allocate(size, std::size_t(alignment)); }
void *operator new[](std::size_t size, std::align_val_t alignment) { return allocate(size, std::size_t(alignment)); }
void *operator new(std::size_t size, const std::nothrow_t &) noexcept
{
    try {
        return allocate(size, alignof(std::max_align_t));
    } catch (...) {
        return nullptr;
    }
}
void *operator new[](std::size_t size, const std::nothrow_t &nothrow) noexcept { return operator new(size, nothrow); }
void *operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t &) noexcept
{
    try {
        return allocate(size, std::size_t(alignment));
    } catch (...) {
        return nullptr;
    }
}
void *operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t &nothrow) noexcept
{
    return operator new(size, alignment, nothrow);
}
void operator delete(void *memory) noexcept { std::free(memory); }
void operator delete[](void *memory) noexcept { std::free(memory); }
void operator delete(void *memory, std::size_t) noexcept { std::free(memory); }
void operator delete[](void *memory, std::size_t) noexcept { std::free(memory); }
void operator delete(void *memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete[](void *memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete(void *memory, std::size_t, std::align_val_t) noexcept { std::free(memory); }
void operator delete[](void *memory, std::size_t, std::align_val_t) noexcept { std::free(memory); }
void operator delete(void *memory, const std::nothrow_t &) noexcept { std::free(memory); }
void operator delete[](void *memory, const std::nothrow_t &) noexcept { std::free(memory); }
void operator delete(void *memory, std::align_val_t, const std::nothrow_t &) noexcept { std::free(memory); }
void operator delete[](void *memory, std::align_val_t, const std::nothrow_t &) noexcept { std::free(memory); }

class TestPostAllocations : public QObject {
    Q_OBJECT

private slots:
    void aFunctionOrNotifyPostAllocatesNothing();
    void aLargeCallablePostIsCounted();
};

void TestPostAllocations::aFunctionOrNotifyPostAllocatesNothing()
{
    constexpr int Posts = 250; // of each: within the port's first queue segment, no segment is due
    WorkerPool pool({.workers = 1});
    std::atomic<int> runs{0};
    CountingTarget target;
    QVERIFY(pool.post(&countRun, &runs, "warm-up") != 0); // the clock's and the port's first use
    QTRY_COMPARE(runs.load(), 1);

    const std::uint64_t before = t_allocations;
    for (int i = 0; i < Posts; ++i) {
        QVERIFY(pool.post(&countRun, &runs, "function") != 0);
        QVERIFY(pool.post(target, nullptr, i, "notify") != 0);
    }
    const std::uint64_t allocated = t_allocations - before;
    QTRY_COMPARE(runs.load(), Posts + 1);
    QTRY_COMPARE(target.runs.load(), Posts);
    QCOMPARE(allocated, std::uint64_t(0));
}

void TestPostAllocations::aLargeCallablePostIsCounted()
{
    WorkerPool pool({.workers = 1});
    std::atomic<int> runs{0};
    std::array<char, 200> capture{}; // larger than WorkUnit's inline buffer: the callable goes to the heap
    capture[199] = 1;
    const std::uint64_t before = t_allocations;
    QVERIFY(pool.post([&runs, capture] { runs.fetch_add(capture[199]); }) != 0);
    const std::uint64_t allocated = t_allocations - before;
    QTRY_COMPARE(runs.load(), 1);
    QVERIFY(allocated >= 1);
}

QTEST_GUILESS_MAIN(TestPostAllocations)
#include "tst_postallocations.moc"
