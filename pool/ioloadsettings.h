#pragma once
// What the I/O load offers the pool beside the posted units: a loopback echo server with
// client connections, and reads from a scratch file. A plain value shared by the GUI
// controls, the command line and scenario files.

#include <chrono>
#include <cstdint>
#include <string>

namespace poolscope {

struct IoLoadSettings {
    // Echo: a server on the pool's port (accept, recv, a CPU cost per message, send, recv
    // again) and clients on a thread of the load's own.
    bool echo = false;
    unsigned connections = 4;                        // 1..256
    std::uint32_t messageBytes = 512;                // 1..1048576
    double messagesPerSecond = 0;                    // over all connections; 0 = as fast as possible; 0..1000000
    std::chrono::microseconds thinkTime{0};          // after each echo: 0..10 s
    std::chrono::microseconds costPerMessage{0};     // server CPU per message: 0..100 ms

    // File reads: a scratch file made under scratchFolder (empty: the system's temporary
    // folder) and removed with the load; readsOutstanding reads of blockBytes in flight.
    bool fileReads = false;
    std::uint32_t blockBytes = 4096;                 // 512..1048576
    unsigned readsOutstanding = 4;                   // 1..256
    std::string scratchFolder;

    // Empty when every field is in range; otherwise one sentence naming the first bad field
    // and its range, e.g. "I/O connections must be 1..256 (got 0)". Thread-safe.
    std::string validate() const;

    friend bool operator==(const IoLoadSettings &, const IoLoadSettings &) = default;
};

} // namespace poolscope
