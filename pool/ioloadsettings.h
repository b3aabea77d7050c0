#pragma once
// What the I/O load offers the pool beside the posted units: a loopback echo server with
// client connections, and reads from a scratch file. A plain value shared by the GUI
// controls, the command line and scenario files.

#include <chrono>
#include <cstdint>
#include <string>

namespace poolscope {

struct IoLoadSettings {
    // Ranges: settingranges.h (rangeOf(Setting::IoConnections) ...), checked by validate().
    // Echo: a server on the pool's port (accept, recv, a CPU cost per message, send, recv
    // again) and clients on a thread of the load's own.
    bool echo = false;
    unsigned connections = 4;
    std::uint32_t messageBytes = 512;
    double messagesPerSecond = 0;                    // over all connections; 0 = as fast as possible
    std::chrono::microseconds thinkTime{0};          // after each echo
    std::chrono::microseconds costPerMessage{0};     // server CPU per message

    // File reads: a scratch file made under scratchFolder (empty: the system's temporary
    // folder) and removed with the load; readsOutstanding reads of blockBytes in flight.
    bool fileReads = false;
    std::uint32_t blockBytes = 4096;
    unsigned readsOutstanding = 4;
    std::string scratchFolder;

    // Empty when every field is in range; otherwise one sentence naming the first bad field
    // and its range, e.g. "I/O connections must be 1..256 (got 0)". Thread-safe.
    std::string validate() const;

    friend bool operator==(const IoLoadSettings &, const IoLoadSettings &) = default;
};

enum class Setting : std::uint8_t; // settingranges.h

// The I/O rows of settingranges.h as the command line and a scenario file give them, one
// number each, read by the headless mode and by the window's command line alike: 0
// connections or 0 reads turns that part of the load off and keeps the count it had.
// isIoSetting() says which rows these are; the other two take only those, with `value` in
// the row's option range (SettingRange::optionAccepts). Thread-safe (plain functions).
bool isIoSetting(Setting setting) noexcept;
double ioOptionValue(const IoLoadSettings &io, Setting setting) noexcept;
void setIoOption(IoLoadSettings &io, Setting setting, double value) noexcept;

} // namespace poolscope
