#pragma once
// The one way Poolscope writes an export file, from the GUI and from the headless mode.
//
// A regular file (or a new one) is written under a temporary name in the same folder and
// renamed over the target, so that a reader never sees half a file and a failure leaves
// nothing behind: the temporary name is unpredictable and created with
// O_CREAT|O_EXCL|O_NOFOLLOW at mode 0600 (nobody can plant a link under it or read it
// early), gets the final mode (the old file's, or 0666 minus the umask) only when written,
// and is fsync'ed before the rename; the folder is fsync'ed after it, so a power cut never
// leaves an empty file under the final name.
//
// Nothing that is not a regular file is ever replaced:
//  - a character device or a FIFO (/dev/null, /dev/stdout, a named pipe) is written to in
//    place; a FIFO that nobody reads is refused rather than waited on;
//  - a symbolic link is followed only when it ends at a regular file the user may write, and
//    not when it lies in a sticky world-writable folder (/tmp) and belongs to someone else
//    (the kernel's protected_symlinks rule); the file it names is replaced, the link stays;
//  - a directory, a socket or a block device is refused.
//
// Threading: pure functions of the file system; call them from any thread.

#include <functional>
#include <iosfwd>
#include <string>

namespace poolscope {

// Finds, before a run, every reason the write to `path` would fail that can be found
// without writing it: an empty or over-long name, a missing or unwritable folder, a
// directory, socket or block device, a dangling or foreign symbolic link, a read-only file
// system (a temporary file is created in the folder and removed again). False with a
// one-line message naming the path. Thread-safe.
bool checkExportTarget(const std::string &path, std::string &error);

// A key that is equal for two paths that would write the same file ("a.json" and
// "./a.json", a link and its target); empty for targets written in place (devices and
// FIFOs), which several exports may share. Thread-safe.
std::string exportTargetIdentity(const std::string &path);

// Writes what `write` puts into its stream to `path`, as described at the top. False with a
// one-line message naming the path on any failure (a full disk, a device refusing the bytes);
// the target is then unchanged. "/dev/stdout", "/dev/stderr" and "/dev/fd/N" write to this
// process's own open descriptors. Thread-safe.
bool writeFileSafely(const std::string &path, const std::function<void(std::ostream &)> &write, std::string &error);

} // namespace poolscope
