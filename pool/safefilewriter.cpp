#include "safefilewriter.h"

#include "platform.h"

#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <optional>
#include <ostream>
#include <random>
#include <streambuf>
#include <string_view>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace poolscope {

namespace {

std::string systemError(int code) { return std::strerror(code); }

// A descriptor that is closed when it goes out of scope.
class Descriptor {
public:
    explicit Descriptor(int fd = -1) noexcept : m_fd(fd) {}
    Descriptor(const Descriptor &) = delete;
    Descriptor &operator=(const Descriptor &) = delete;
    ~Descriptor() { reset(); }
    int get() const noexcept { return m_fd; }
    bool isOpen() const noexcept { return m_fd >= 0; }
    // Closes now and reports what close() said: on NFS a write error may only show here.
    int close() noexcept
    {
        const int result = m_fd >= 0 ? ::close(m_fd) : 0;
        m_fd = -1;
        return result;
    }
    void reset() noexcept
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }

private:
    int m_fd;
};

// A stream buffer over a file descriptor: writes in 64 KiB blocks, retries short writes
// and EINTR, and keeps the first errno so that the message can name it.
class DescriptorBuffer : public std::streambuf {
public:
    explicit DescriptorBuffer(int fd) : m_fd(fd) { setp(m_buffer.data(), m_buffer.data() + m_buffer.size()); }
    int failure() const noexcept { return m_errno; }

protected:
    int_type overflow(int_type c) override
    {
        if (!flushBuffer())
            return traits_type::eof();
        if (!traits_type::eq_int_type(c, traits_type::eof())) {
            *pptr() = traits_type::to_char_type(c);
            pbump(1);
        }
        return traits_type::not_eof(c);
    }
    int sync() override { return flushBuffer() ? 0 : -1; }

private:
    bool flushBuffer()
    {
        if (m_errno != 0)
            return false;
        const char *next = pbase();
        auto remaining = static_cast<std::size_t>(pptr() - pbase());
        while (remaining > 0) {
            const ssize_t written = ::write(m_fd, next, remaining);
            if (written < 0) {
                if (errno == EINTR)
                    continue;
                m_errno = errno;
                return false;
            }
            next += written;
            remaining -= static_cast<std::size_t>(written);
        }
        setp(m_buffer.data(), m_buffer.data() + m_buffer.size());
        return true;
    }

    int m_fd;
    int m_errno = 0;
    std::array<char, 64 * 1024> m_buffer{};
};

// Runs the caller's writer into `fd`; false with `code` (an errno, or 0 with `what` set).
bool pour(int fd, const std::function<void(std::ostream &)> &write, int &code, std::string &what)
{
    DescriptorBuffer buffer(fd);
    std::ostream out(&buffer);
    try {
        write(out);
        out.flush();
    } catch (const std::exception &e) { // e.g. bad_alloc while formatting: the target stays as it was
        code = 0;
        what = e.what();
        return false;
    }
    if (buffer.failure() != 0 || !out) {
        code = buffer.failure() != 0 ? buffer.failure() : EIO;
        return false;
    }
    return true;
}

struct SplitPath {
    std::string folder; // "." for a bare name
    std::string name;
};

SplitPath split(const std::string &path)
{
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos)
        return {".", path};
    return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// "/dev/stdout", "/dev/stderr" and "/dev/fd/N" (also as /proc/self/fd/N) are this process's
// own open descriptors: writing them as they are (rather than following the /proc link to
// whatever file the shell redirected to) keeps `>>` appending, a pipe a pipe, and a bash
// process substitution `>(gzip > x.gz)` working. -1 for any other path.
int processStream(const std::string &path)
{
    if (path == "/dev/stdout")
        return STDOUT_FILENO;
    if (path == "/dev/stderr")
        return STDERR_FILENO;
    for (const std::string_view prefix : {std::string_view("/dev/fd/"), std::string_view("/proc/self/fd/")}) {
        if (path.size() <= prefix.size() || path.size() > prefix.size() + 6 || path.compare(0, prefix.size(), prefix) != 0)
            continue;
        int fd = 0;
        for (std::size_t i = prefix.size(); i < path.size(); ++i) {
            if (path[i] < '0' || path[i] > '9')
                return -1;
            fd = fd * 10 + (path[i] - '0');
        }
        return ::fcntl(fd, F_GETFD) != -1 ? fd : -1;
    }
    return -1;
}

bool writesInPlace(mode_t mode) { return S_ISCHR(mode) || S_ISFIFO(mode); }

std::string typeName(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a folder";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISBLK(mode))
        return "a block device";
    return "not a regular file";
}

std::string randomSuffix()
{
    std::array<unsigned char, 9> bytes{};
    if (!platform::fillRandom(bytes)) {
        std::random_device device;
        for (unsigned char &b : bytes)
            b = static_cast<unsigned char>(device());
    }
    static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
    std::string suffix;
    for (std::size_t i = 0; i < bytes.size(); i += 3) { // 3 bytes -> 4 characters of 6 bits
        const unsigned value = (unsigned(bytes[i]) << 16) | (unsigned(bytes[i + 1]) << 8) | unsigned(bytes[i + 2]);
        for (int shift = 18; shift >= 0; shift -= 6)
            suffix += digits[(value >> shift) & 63u];
    }
    return suffix;
}

// Creates a fresh file of mode 0600 in the folder `folderFd` under an unpredictable name
// (short, so that it fits beside a name of NAME_MAX bytes). O_EXCL|O_NOFOLLOW: a name
// planted in advance, link or not, is never opened.
Descriptor createTemporary(int folderFd, std::string &name, int &code)
{
    for (int attempt = 0; attempt < 100; ++attempt) {
        name = ".poolscope-" + randomSuffix() + ".tmp";
        const int fd = ::openat(folderFd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0)
            return Descriptor(fd);
        if (errno != EEXIST) {
            code = errno;
            return Descriptor();
        }
    }
    code = EEXIST;
    return Descriptor();
}

// Opens the folder, then proves that a file can be created in it (and removes it again).
bool probeFolder(const std::string &folder, const std::string &path, std::string &error)
{
    const Descriptor folderFd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!folderFd.isOpen()) {
        error = "cannot write " + path + ": the folder " + folder +
                (errno == ENOENT ? " does not exist" : errno == ENOTDIR ? " is not a folder" : ": " + systemError(errno));
        return false;
    }
    std::string temporary;
    int code = 0;
    Descriptor probe = createTemporary(folderFd.get(), temporary, code);
    if (!probe.isOpen()) {
        error = "cannot write " + path + ": cannot create a file in " + folder + ": " + systemError(code);
        return false;
    }
    probe.reset();
    ::unlinkat(folderFd.get(), temporary.c_str(), 0);
    return true;
}

// The rules for a symbolic link (see the header). On success `resolved` is the regular file
// it ends at.
bool acceptSymlink(const std::string &path, std::string &resolved, std::string &error)
{
    struct stat link {};
    struct stat target {};
    if (::lstat(path.c_str(), &link) != 0 || ::stat(path.c_str(), &target) != 0) {
        error = "cannot write " + path + ": it is a symbolic link to nothing (" + systemError(errno) + ")";
        return false;
    }
    struct stat folder {};
    const std::string folderName = split(path).folder;
    if (::stat(folderName.c_str(), &folder) == 0 && (folder.st_mode & S_ISVTX) && (folder.st_mode & S_IWOTH) &&
        link.st_uid != ::geteuid() && link.st_uid != folder.st_uid) {
        error = "refusing to write " + path + ": it is a symbolic link of another user in the shared folder " +
                folderName;
        return false;
    }
    if (!S_ISREG(target.st_mode)) {
        error = "refusing to write " + path + ": it is a symbolic link to " + typeName(target.st_mode) +
                " (only a link to a regular file is followed)";
        return false;
    }
    if (::faccessat(AT_FDCWD, path.c_str(), W_OK, AT_EACCESS) != 0) {
        error = "cannot write " + path + ": the file it links to is not writable (" + systemError(errno) + ")";
        return false;
    }
    char real[PATH_MAX];
    if (::realpath(path.c_str(), real) == nullptr) {
        error = "cannot write " + path + ": " + systemError(errno);
        return false;
    }
    resolved = real;
    return true;
}

// Writes to a device or FIFO as it is: no temporary, no rename.
bool writeInPlace(const std::string &path, int fd, const std::function<void(std::ostream &)> &write,
                  std::string &error)
{
    const platform::SigpipeBlocked noSigpipe;
    int code = 0;
    std::string what;
    if (!pour(fd, write, code, what)) {
        error = "writing " + path + " failed: " + (code != 0 ? systemError(code) : what);
        return false;
    }
    return true;
}

bool writeDevice(const std::string &path, const std::function<void(std::ostream &)> &write, std::string &error)
{
    // O_NONBLOCK: a FIFO without a reader fails (ENXIO) instead of hanging the export.
    Descriptor fd(::open(path.c_str(), O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!fd.isOpen()) {
        error = "cannot write " + path + ": " +
                (errno == ENXIO ? std::string("it is a FIFO that no process reads") : systemError(errno));
        return false;
    }
    struct stat opened {};
    if (::fstat(fd.get(), &opened) != 0 || !writesInPlace(opened.st_mode)) { // swapped since it was looked at
        error = "refusing to write " + path + ": it changed while it was opened";
        return false;
    }
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
    if (!writeInPlace(path, fd.get(), write, error))
        return false;
    if (fd.close() != 0) {
        error = "writing " + path + " failed: " + systemError(errno);
        return false;
    }
    return true;
}

// The temporary-and-rename path for a regular file `target` (new when `existing` is empty).
bool replaceRegular(const std::string &path, const std::string &target, const std::optional<struct stat> &existing,
                    const std::function<void(std::ostream &)> &write, std::string &error)
{
    const SplitPath where = split(target);
    const Descriptor folder(::open(where.folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!folder.isOpen()) {
        error = "cannot write " + path + ": the folder " + where.folder + ": " + systemError(errno);
        return false;
    }
    std::string temporary;
    int code = 0;
    Descriptor file = createTemporary(folder.get(), temporary, code);
    if (!file.isOpen()) {
        error = "cannot write " + path + ": " + systemError(code);
        return false;
    }
    const auto fail = [&](const std::string &message) {
        error = message;
        file.reset();
        ::unlinkat(folder.get(), temporary.c_str(), 0);
        return false;
    };

    std::string what;
    if (!pour(file.get(), write, code, what))
        return fail("writing " + path + " failed: " + (code != 0 ? systemError(code) : what));
    mode_t mode = 0666 & ~static_cast<mode_t>(platform::processUmask());
    if (existing) {
        mode = existing->st_mode & 07777;
        // Root replacing a user's file gives it back to that user; best effort otherwise.
        if (::geteuid() == 0 && ::fchown(file.get(), existing->st_uid, existing->st_gid) != 0) {
        }
    }
    if (::fchmod(file.get(), mode) != 0 || ::fsync(file.get()) != 0 || file.close() != 0)
        return fail("writing " + path + " failed: " + systemError(errno));

    // The name must still be what was checked: missing, or a regular file.
    struct stat now {};
    if (::fstatat(folder.get(), where.name.c_str(), &now, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(now.st_mode))
        return fail("refusing to replace " + path + ": it is no longer a regular file");
    if (::renameat(folder.get(), temporary.c_str(), folder.get(), where.name.c_str()) != 0)
        return fail("cannot replace " + path + ": " + systemError(errno));
    if (::fsync(folder.get()) != 0 && errno != EINVAL && errno != EROFS) {
        error = "writing " + path + ": the folder could not be synced: " + systemError(errno);
        return false;
    }
    return true;
}

} // namespace

bool checkExportTarget(const std::string &path, std::string &error)
{
    if (path.empty()) {
        error = "an export path must not be empty";
        return false;
    }
    if (processStream(path) >= 0)
        return true;
    if (path.size() >= PATH_MAX) {
        error = "cannot write " + path.substr(0, 60) + "...: the path is " + std::to_string(path.size()) +
                " bytes long (the limit is " + std::to_string(PATH_MAX - 1) + ")";
        return false;
    }
    const SplitPath where = split(path);
    if (where.name.empty() || where.name == "." || where.name == "..") {
        error = "cannot write " + path + ": it names a folder, not a file";
        return false;
    }
    const long nameMax = ::pathconf(where.folder.c_str(), _PC_NAME_MAX);
    const std::size_t limit = nameMax > 0 ? static_cast<std::size_t>(nameMax) : NAME_MAX;
    if (where.name.size() > limit) {
        error = "cannot write " + path + ": the file name is " + std::to_string(where.name.size()) +
                " bytes long (the limit is " + std::to_string(limit) + ")";
        return false;
    }
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0) {
        if (errno != ENOENT) {
            error = "cannot write " + path + ": " + systemError(errno);
            return false;
        }
        return probeFolder(where.folder, path, error);
    }
    if (S_ISLNK(status.st_mode)) {
        std::string resolved;
        return acceptSymlink(path, resolved, error) && probeFolder(split(resolved).folder, path, error);
    }
    if (writesInPlace(status.st_mode)) {
        if (::faccessat(AT_FDCWD, path.c_str(), W_OK, AT_EACCESS) != 0) {
            error = "cannot write " + path + ": " + systemError(errno);
            return false;
        }
        return true;
    }
    if (!S_ISREG(status.st_mode)) {
        error = "refusing to write " + path + ": it is " + typeName(status.st_mode);
        return false;
    }
    if (::faccessat(AT_FDCWD, path.c_str(), W_OK, AT_EACCESS) != 0) {
        error = "cannot write " + path + ": " + systemError(errno);
        return false;
    }
    return probeFolder(where.folder, path, error);
}

std::string exportTargetIdentity(const std::string &path)
{
    if (processStream(path) >= 0)
        return {};
    struct stat status {};
    if (::stat(path.c_str(), &status) == 0)
        return writesInPlace(status.st_mode) ? std::string()
                                             : std::to_string(status.st_dev) + ':' + std::to_string(status.st_ino);
    const SplitPath where = split(path);
    char real[PATH_MAX];
    if (::realpath(where.folder.c_str(), real) == nullptr)
        return path;
    return std::string(real) + '/' + where.name;
}

bool writeFileSafely(const std::string &path, const std::function<void(std::ostream &)> &write, std::string &error)
{
    if (const int stream = processStream(path); stream >= 0)
        return writeInPlace(path, stream, write, error);
    if (!checkExportTarget(path, error))
        return false;
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0)
        return replaceRegular(path, path, std::nullopt, write, error);
    if (writesInPlace(status.st_mode))
        return writeDevice(path, write, error);
    if (S_ISLNK(status.st_mode)) {
        std::string resolved;
        if (!acceptSymlink(path, resolved, error))
            return false;
        struct stat target {};
        if (::lstat(resolved.c_str(), &target) != 0 || !S_ISREG(target.st_mode)) {
            error = "refusing to write " + path + ": the file it links to changed";
            return false;
        }
        return replaceRegular(path, resolved, target, write, error);
    }
    return replaceRegular(path, path, status, write, error);
}

} // namespace poolscope
