#include "iotiles.h"

#include "keytiles.h"
#include "unitformat.h"

#include <QVBoxLayout>

#include <algorithm>

using poolscope::IoKind;

namespace {
// "950 B/s", "9.05 kB/s", "2.50 MB/s": count()'s prefixes before the unit.
QString bytesRate(double perSecond)
{
    const QString number = unitformat::count(perSecond);
    return number + (number.back().isDigit() ? QStringLiteral(" B/s") : QStringLiteral("B/s"));
}
} // namespace

IoTiles::IoTiles(QWidget *parent) : QWidget(parent)
{
    // The I/O chart's colours: outstanding purple, recv blue, bytes read blue.
    m_tiles[Outstanding] = new KeyTile(tr("Outstanding I/O"), QColor(0x54, 0x27, 0x88), this);
    m_tiles[Completions] = new KeyTile(tr("I/O completions/s"), QColor(0x2b, 0x83, 0xba), this);
    m_tiles[Bytes] = new KeyTile(tr("I/O bytes/s"), QColor(0x1a, 0x96, 0x41), this);
    m_tiles[Outstanding]->setToolTip(tr("I/O operations started and not yet completed; peak since the start or the "
                                        "last reset"));
    m_tiles[Completions]->setToolTip(tr("I/O operations that completed per second, all kinds; the busiest kinds and "
                                        "the failures under it"));
    m_tiles[Bytes]->setToolTip(tr("Bytes per second moved by completed reads and recvs plus writes and sends"));
    // A column beside the I/O charts: in a row above them, the tiles took the height that two
    // rows of charts need on a 1280 x 720 screen, and the page had to scroll.
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    for (KeyTile *tile : m_tiles)
        layout->addWidget(tile);
    layout->addStretch(1);
    setFixedWidth(ColumnWidth);
    startNewRun();
}

void IoTiles::appendSamples(const std::vector<poolscope::Sample> &samples)
{
    if (samples.empty())
        return;
    for (const poolscope::Sample &s : samples) {
        const double seconds = m_time.secondsAt(s.pool.timestampNs);
        m_tiles[Outstanding]->addPoint(seconds, static_cast<double>(s.pool.ioOutstanding));
        m_tiles[Completions]->addPoint(seconds, s.ioCompletionsPerSecond);
        m_tiles[Bytes]->addPoint(seconds, s.ioBytesReadPerSecond + s.ioBytesWrittenPerSecond);
    }
    showLatest(samples.back());
}

void IoTiles::showLatest(const poolscope::Sample &s)
{
    using namespace unitformat;
    m_tiles[Outstanding]->show(count(static_cast<double>(s.pool.ioOutstanding)),
                               tr("peak %1").arg(count(static_cast<double>(s.pool.ioPeakOutstanding))));

    // The two busiest kinds name what the load is doing ("recv 1.2 k/s · send 1.2 k/s").
    std::array<IoKind, poolscope::IoKindCount> kinds = poolscope::AllIoKinds;
    std::stable_sort(kinds.begin(), kinds.end(), [&s](IoKind a, IoKind b) {
        return s.ioCompletionsPerSecondOf(a) > s.ioCompletionsPerSecondOf(b);
    });
    QStringList busiest;
    for (std::size_t i = 0; i < 2; ++i)
        if (s.ioCompletionsPerSecondOf(kinds[i]) > 0)
            busiest << tr("%1 %2").arg(QString::fromUtf8(nameOf(kinds[i]).data()),
                                       rate(s.ioCompletionsPerSecondOf(kinds[i])));
    QString detail = busiest.isEmpty() ? tr("none completing") : busiest.join(QStringLiteral(" · "));
    if (s.ioFailuresPerSecond > 0)
        detail = tr("%1 failed · %2").arg(rate(s.ioFailuresPerSecond), detail);
    m_tiles[Completions]->show(rate(s.ioCompletionsPerSecond), detail, s.ioFailuresPerSecond > 0);

    m_tiles[Bytes]->show(bytesRate(s.ioBytesReadPerSecond + s.ioBytesWrittenPerSecond),
                         tr("read %1 · written %2").arg(bytesRate(s.ioBytesReadPerSecond), bytesRate(s.ioBytesWrittenPerSecond)));
}

void IoTiles::startNewRun()
{
    m_time.restart();
    for (KeyTile *tile : m_tiles)
        tile->clear();
    m_tiles[Outstanding]->show(QStringLiteral("0"), tr("no I/O yet"));
}
