#pragma once
// The file side of the I/O load: a scratch file made under a temporary folder, and reads
// of a chosen block size from it, kept outstanding on the port.

#include "iocompletiontarget.h"
#include "ioservice.h"
#include "lentrecordcount.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

namespace poolscope {

// A file of `bytes` bytes (a known pattern) in a fresh folder of its own under `parent`
// (default: the system's temporary folder), both removed by the destructor, and by the
// constructor itself when it fails half-way. Owner thread only.
class ScratchFile {
public:
    // Throws std::system_error naming the path and the reason (full disk, read-only or
    // missing folder, ...) when the file cannot be made.
    explicit ScratchFile(std::uint64_t bytes, const std::filesystem::path &parent = {});
    ~ScratchFile();
    ScratchFile(const ScratchFile &) = delete;
    ScratchFile &operator=(const ScratchFile &) = delete;

    const std::filesystem::path &path() const noexcept { return m_file; }     // Thread-safe (immutable).
    const std::filesystem::path &folder() const noexcept { return m_folder; } // Thread-safe (immutable).
    std::uint64_t size() const noexcept { return m_bytes; }                  // Thread-safe (immutable).

    // The byte at `offset` of the pattern the file holds. Thread-safe.
    static std::byte patternAt(std::uint64_t offset) noexcept
    {
        return static_cast<std::byte>((offset * 7u + (offset >> 12)) & 0xffu);
    }

private:
    void removeAll() noexcept;

    std::filesystem::path m_folder;
    std::filesystem::path m_file;
    std::uint64_t m_bytes = 0;
};

struct FileReadOptions {
    std::uint32_t blockBytes = 4096;     // 1..16 MiB
    unsigned readsOutstanding = 4;       // 1..1024
    std::uint64_t maxReads = 0;          // stop issuing after this many started; 0 = until stop()
};

struct FileReadCounters {
    std::uint64_t reads = 0;      // completed with bytes
    std::uint64_t bytes = 0;
    std::uint64_t failures = 0;   // errors other than cancellation, and refused starts
    std::uint64_t cancelled = 0;
    std::uint64_t mismatches = 0; // blocks whose first byte is not the file's pattern
};

// Reads blocks of the file in order, wrapping at its end, with readsOutstanding reads in
// flight; each completion is checked and replaced by the next read.
//
// Threading: completions run on the port's workers, several at once (one per record);
// start(), stop(), counters() and waitUntilStopped() are thread-safe.
// Destruction: stop(), then wait until every record is back; the port's workers must
// still be dequeuing.
class FileReadLoad final : public IoCompletionTarget {
public:
    // Opens the file read-only and associates it. Throws std::system_error if it cannot be
    // opened, std::invalid_argument for options out of range.
    FileReadLoad(IoService &io, const ScratchFile &file, FileReadOptions options);
    ~FileReadLoad();
    FileReadLoad(const FileReadLoad &) = delete;
    FileReadLoad &operator=(const FileReadLoad &) = delete;

    void start();                                  // Thread-safe; once.
    void stop();                                   // Thread-safe: no more reads; outstanding ones finish.
    bool waitUntilStopped(std::chrono::nanoseconds deadline); // every record back (after stop() or maxReads). Thread-safe.
    FileReadCounters counters() const;             // Thread-safe. Never blocks a worker.

    // Called by IoCompletionTarget::dispatch on the worker that dequeued the packet. Thread-safe.
    void onIoCompletion(IoOperation &op, const DequeueResult &result) noexcept override;

private:
    struct ReadOp : IoOperation {
        std::vector<std::byte> buffer;
        std::uint64_t offset = 0;
    };
    void issue(ReadOp &op) noexcept;

    IoService &m_io;
    const FileReadOptions m_options;
    const std::uint64_t m_fileBytes;
    IoHandle m_file;
    std::vector<std::unique_ptr<ReadOp>> m_ops;

    std::atomic<std::uint64_t> m_nextBlock{0};
    std::atomic<std::uint64_t> m_issued{0};
    std::atomic<bool> m_stopping{false};
    LentRecordCount m_lent;
    std::mutex m_mutex;
    bool m_started = false; // guarded by m_mutex

    struct Counts {
        std::atomic<std::uint64_t> reads{0}, bytes{0}, failures{0}, cancelled{0}, mismatches{0};
    } m_counts;
};

} // namespace poolscope
