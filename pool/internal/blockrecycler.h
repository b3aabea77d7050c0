#pragma once
#if !defined(POOLSCOPE_POOL_INTERNALS) // set for pool/ and the white-box tests only (pool/CMakeLists.txt)
#error "pool/internal/ is private to the pool library: include the public headers of pool/"
#endif
// Recycles fixed-size memory blocks between threads: the pool's work items are allocated
// by posting threads and freed by workers, a pattern general-purpose allocators serve
// slowly (a third of the pool's time went to malloc/free in pool_bench). Each thread keeps
// a small cache; full caches hand batches to a shared depot under a mutex, taken once per
// Batch blocks, so the lock is off the per-unit path.
// Under AddressSanitizer it forwards to operator new/delete, so use-after-free stays visible.

#include <cstddef>
#include <mutex>
#include <new>
#include <vector>

namespace poolscope::detail {

template <std::size_t Size, std::size_t Align>
class BlockRecycler {
public:
    static void *allocate() // Thread-safe.
    {
#if !defined(__SANITIZE_ADDRESS__)
        LocalCache &cache = localCache();
        if (cache.blocks.empty())
            depot().takeBatch(cache.blocks);
        if (!cache.blocks.empty()) {
            void *block = cache.blocks.back();
            cache.blocks.pop_back();
            return block;
        }
#endif
        return ::operator new(Size, std::align_val_t(Align));
    }

    static void release(void *block) noexcept // Thread-safe.
    {
#if !defined(__SANITIZE_ADDRESS__)
        LocalCache &cache = localCache();
        if (cache.blocks.size() < 2 * Batch) {
            cache.blocks.push_back(block); // capacity reserved: never allocates
            return;
        }
        depot().giveBatch(cache.blocks);
        cache.blocks.push_back(block);
#else
        ::operator delete(block, std::align_val_t(Align));
#endif
    }

private:
    static constexpr std::size_t Batch = 256;
    static constexpr std::size_t DepotLimit = 256; // batches: about 64k blocks

    struct Depot {
        std::mutex mutex;
        std::vector<std::vector<void *>> batches;

        void takeBatch(std::vector<void *> &into)
        {
            std::vector<void *> batch;
            {
                std::lock_guard lock(mutex);
                if (batches.empty())
                    return;
                batch = std::move(batches.back());
                batches.pop_back();
            }
            into.insert(into.end(), batch.begin(), batch.end());
        }

        // Moves the newest Batch blocks of `from` here, or frees them if the depot is full.
        void giveBatch(std::vector<void *> &from) noexcept
        {
            try {
                std::vector<void *> batch(from.end() - static_cast<std::ptrdiff_t>(Batch), from.end());
                from.resize(from.size() - Batch);
                std::lock_guard lock(mutex);
                if (batches.size() < DepotLimit) {
                    batches.push_back(std::move(batch));
                    return;
                }
                for (void *block : batch)
                    ::operator delete(block, std::align_val_t(Align));
            } catch (...) {
                // No memory for the batch vector: free the blocks instead of keeping them.
                for (std::size_t i = 0; i < Batch && !from.empty(); ++i) {
                    ::operator delete(from.back(), std::align_val_t(Align));
                    from.pop_back();
                }
            }
        }

        ~Depot()
        {
            for (auto &batch : batches)
                for (void *block : batch)
                    ::operator delete(block, std::align_val_t(Align));
        }
    };

    struct LocalCache {
        std::vector<void *> blocks;
        LocalCache() { blocks.reserve(2 * Batch + 1); }
        ~LocalCache()
        {
            for (void *block : blocks)
                ::operator delete(block, std::align_val_t(Align));
        }
    };

    static Depot &depot()
    {
        // Never destroyed: threads may still release blocks while static destructors run.
        static Depot *instance = new Depot;
        return *instance;
    }

    static LocalCache &localCache()
    {
        thread_local LocalCache cache;
        return cache;
    }
};

} // namespace poolscope::detail
