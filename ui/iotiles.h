#pragma once

#include "runtimebase.h"
#include "sampler.h"

#include <QWidget>

#include <array>
#include <deque>
#include <vector>

class KeyTile;

// The I/O key numbers, in the key tiles' look (KeyTile): outstanding operations now (with
// the peak since the start or a reset), I/O completions per second (with the busiest kinds)
// and bytes per second (read and written). Shown beside the pool's tiles while an I/O load
// runs. Fed by SessionController::samplesArrived. GUI thread only.
class IoTiles : public QWidget {
    Q_OBJECT

public:
    enum Tile { Outstanding, Completions, Bytes, TileCount };

    explicit IoTiles(QWidget *parent = nullptr);

    static constexpr int ColumnWidth = 180; // the tiles stand in a column beside the charts

    void appendSamples(const std::vector<poolscope::Sample> &samples);
    void startNewRun();

    KeyTile *tile(Tile which) const { return m_tiles[static_cast<std::size_t>(which)]; }

private:
    void showLatest(const poolscope::Sample &sample);

    std::array<KeyTile *, TileCount> m_tiles{};
    RunTimeBase m_time; // the charts' "seconds since the run started"
};
