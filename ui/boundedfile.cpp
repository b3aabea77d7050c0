#include "boundedfile.h"

#include <QLocale>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {
QString describeType(mode_t mode)
{
    if (S_ISDIR(mode))
        return QStringLiteral("a folder");
    if (S_ISFIFO(mode))
        return QStringLiteral("a FIFO");
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return QStringLiteral("a device");
    if (S_ISSOCK(mode))
        return QStringLiteral("a socket");
    return QStringLiteral("not a regular file");
}
} // namespace

bool readBoundedFile(const QString &path, qint64 maxBytes, QByteArray &contents, QString &error)
{
    if (path.isEmpty()) {
        error = QStringLiteral("no file name given");
        return false;
    }
    const QByteArray native = path.toLocal8Bit();
    const int fd = ::open(native.constData(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        error = QString::fromLocal8Bit(std::strerror(errno));
        return false;
    }
    struct stat status {};
    bool ok = false;
    if (::fstat(fd, &status) != 0) {
        error = QString::fromLocal8Bit(std::strerror(errno));
    } else if (!S_ISREG(status.st_mode)) {
        error = QStringLiteral("it is %1, not a regular file").arg(describeType(status.st_mode));
    } else if (status.st_size > maxBytes) {
        error = QStringLiteral("it is %1 (the limit is %2)")
                    .arg(QLocale::c().formattedDataSize(status.st_size, 1), QLocale::c().formattedDataSize(maxBytes, 0));
    } else {
        try {
            // Read to one byte past the limit: a file that grows while it is read is caught too.
            QByteArray data(static_cast<qsizetype>(status.st_size) + 1, Qt::Uninitialized);
            qsizetype filled = 0;
            while (true) {
                if (filled == data.size()) {
                    if (filled > maxBytes)
                        break;
                    data.resize(std::min<qsizetype>(filled * 2 + 4096, static_cast<qsizetype>(maxBytes) + 1));
                }
                const ssize_t got = ::read(fd, data.data() + filled, static_cast<std::size_t>(data.size() - filled));
                if (got < 0 && errno == EINTR)
                    continue;
                if (got < 0) {
                    error = QString::fromLocal8Bit(std::strerror(errno));
                    break;
                }
                if (got == 0) {
                    data.truncate(filled);
                    contents = std::move(data);
                    ok = true;
                    break;
                }
                filled += got;
            }
            if (!ok && error.isEmpty())
                error = QStringLiteral("it grew past the limit of %1 while it was read").arg(QLocale::c().formattedDataSize(maxBytes, 0));
        } catch (const std::bad_alloc &) {
            error = QStringLiteral("not enough memory to read it");
        }
    }
    ::close(fd);
    return ok;
}
