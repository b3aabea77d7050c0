#pragma once
// The one time base of the window's charts and tiles: seconds since the run's first sample
// (steady clock), so that a chart, a tile's sparkline and the hover all say the same "12.5s".
// Each view keeps its own, set by the first sample it is given after restart() (a new run).
// GUI thread only, like the views that hold it.

#include <cstdint>

class RunTimeBase {
public:
    // Seconds since the first timestamp given after construction or restart().
    double secondsAt(std::uint64_t timestampNs) noexcept
    {
        const double seconds = static_cast<double>(timestampNs) / 1e9;
        if (m_origin < 0)
            m_origin = seconds;
        return seconds - m_origin;
    }
    void restart() noexcept { m_origin = -1; }

private:
    double m_origin = -1; // steady-clock seconds of the run's first sample; -1: none yet
};
