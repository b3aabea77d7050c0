#include "filereadload.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <system_error>

namespace poolscope {

namespace {

std::system_error fileError(int error, const std::string &what, const std::filesystem::path &path)
{
    return std::system_error(error, std::generic_category(), "scratch file: " + what + " '" + path.string() + "'");
}

} // namespace

ScratchFile::ScratchFile(std::uint64_t bytes, const std::filesystem::path &parent)
    : m_bytes(bytes)
{
    std::vector<std::byte> chunk(1 << 20); // before anything is made: a bad_alloc leaves nothing behind
    std::error_code ec;
    const std::filesystem::path base = parent.empty() ? std::filesystem::temp_directory_path(ec) : parent;
    if (ec)
        throw fileError(ec.value(), "no temporary folder", base);
    std::string folderTemplate = (base / "poolscope-io-XXXXXX").string();
    if (::mkdtemp(folderTemplate.data()) == nullptr)
        throw fileError(errno, "cannot make a folder in", base);
    m_folder = folderTemplate;
    m_file = m_folder / "scratch";

    // From here on every failure removes what was made before it reports.
    const int fd = ::open(m_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        const int error = errno;
        removeAll();
        throw fileError(error, "cannot create", m_file);
    }
    std::uint64_t written = 0;
    int error = 0;
    while (written < bytes && error == 0) {
        const auto length = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), bytes - written));
        for (std::size_t i = 0; i < length; ++i)
            chunk[i] = patternAt(written + i);
        std::size_t done = 0;
        while (done < length) {
            const ssize_t n = ::write(fd, chunk.data() + done, length - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                error = n < 0 ? errno : ENOSPC; // a full disk
                break;
            }
            done += static_cast<std::size_t>(n);
        }
        written += done;
    }
    if (::close(fd) != 0 && error == 0)
        error = errno;
    if (error != 0) {
        removeAll();
        throw fileError(error, "cannot write " + std::to_string(bytes) + " bytes to", m_file);
    }
}

ScratchFile::~ScratchFile()
{
    removeAll();
}

void ScratchFile::removeAll() noexcept
{
    if (!m_file.empty())
        ::unlink(m_file.c_str());
    if (!m_folder.empty())
        ::rmdir(m_folder.c_str());
}

FileReadLoad::FileReadLoad(IoService &io, const ScratchFile &file, FileReadOptions options)
    : m_io(io), m_options(options), m_fileBytes(file.size())
{
    if (m_options.blockBytes < 1 || m_options.blockBytes > (16u << 20))
        throw std::invalid_argument("block size must be 1..16777216 bytes (got " + std::to_string(m_options.blockBytes) + ")");
    if (m_options.readsOutstanding < 1 || m_options.readsOutstanding > 1024)
        throw std::invalid_argument("reads outstanding must be 1..1024 (got " + std::to_string(m_options.readsOutstanding) + ")");
    if (m_fileBytes < m_options.blockBytes)
        throw std::invalid_argument("the scratch file is smaller than one block");
    const int fd = ::open(file.path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        throw fileError(errno, "cannot open", file.path());
    m_file = m_io.associate(fd, completionKey());
    for (unsigned i = 0; i < m_options.readsOutstanding; ++i) {
        m_ops.push_back(std::make_unique<ReadOp>());
        m_ops.back()->buffer.resize(m_options.blockBytes);
    }
}

FileReadLoad::~FileReadLoad()
{
    stop();
    waitUntilStopped(std::chrono::nanoseconds::max());
    m_io.close(m_file);
}

void FileReadLoad::start()
{
    {
        std::lock_guard lock(m_mutex);
        if (m_started)
            return;
        m_started = true;
    }
    for (auto &op : m_ops)
        issue(*op);
}

void FileReadLoad::stop()
{
    m_stopping.store(true, std::memory_order_release);
}

bool FileReadLoad::waitUntilStopped(std::chrono::nanoseconds deadline)
{
    return m_lent.waitUntilNone(deadline);
}

void FileReadLoad::issue(ReadOp &op) noexcept
{
    if (m_stopping.load(std::memory_order_acquire))
        return;
    if (m_options.maxReads != 0 && m_issued.fetch_add(1, std::memory_order_relaxed) >= m_options.maxReads)
        return;
    const std::uint64_t blocks = m_fileBytes / m_options.blockBytes;
    op.offset = (m_nextBlock.fetch_add(1, std::memory_order_relaxed) % blocks) * m_options.blockBytes;
    m_lent.lend();
    const int rc = m_io.startRead(m_file, op, op.buffer, op.offset);
    if (rc != 0) {
        if (rc != ESHUTDOWN && rc != EBADF) // a stopped service is not a failure of the load
            m_counts.failures.fetch_add(1, std::memory_order_relaxed);
        m_lent.giveBack();
    }
}

void FileReadLoad::onIoCompletion(IoOperation &op, const DequeueResult &result) noexcept
{
    auto &read = static_cast<ReadOp &>(op);
    if (result.outcome == DequeueOutcome::IoFailed) {
        (result.packet.status == ECANCELED ? m_counts.cancelled : m_counts.failures)
            .fetch_add(1, std::memory_order_relaxed);
    } else {
        m_counts.reads.fetch_add(1, std::memory_order_relaxed);
        m_counts.bytes.fetch_add(result.packet.bytes, std::memory_order_relaxed);
        if (result.packet.bytes > 0 && read.buffer[0] != ScratchFile::patternAt(read.offset))
            m_counts.mismatches.fetch_add(1, std::memory_order_relaxed);
    }
    issue(read);
    m_lent.giveBack();
}

FileReadCounters FileReadLoad::counters() const
{
    FileReadCounters c;
    c.reads = m_counts.reads.load(std::memory_order_relaxed);
    c.bytes = m_counts.bytes.load(std::memory_order_relaxed);
    c.failures = m_counts.failures.load(std::memory_order_relaxed);
    c.cancelled = m_counts.cancelled.load(std::memory_order_relaxed);
    c.mismatches = m_counts.mismatches.load(std::memory_order_relaxed);
    return c;
}

} // namespace poolscope
