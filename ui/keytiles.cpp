#include "keytiles.h"

#include "unitformat.h"

#include <QHBoxLayout>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace {
constexpr int Padding = 6;
constexpr int SparklineHeight = 18;

QFont scaledFont(const QFont &base, double factor, bool bold)
{
    QFont font = base;
    font.setPointSizeF(base.pointSizeF() * factor);
    font.setBold(bold);
    return font;
}
} // namespace

KeyTile::KeyTile(const QString &title, const QColor &accent, QWidget *parent)
    : QWidget(parent), m_title(title), m_value(QStringLiteral("–")), m_accent(accent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setAccessibleName(title);
}

void KeyTile::show(const QString &value, const QString &detail, bool alarming)
{
    if (value == m_value && detail == m_detail && alarming == m_alarming)
        return;
    m_value = value;
    m_detail = detail;
    m_alarming = alarming;
    setAccessibleDescription(value + QLatin1Char(' ') + detail);
    update();
}

void KeyTile::addPoint(double seconds, double value, double reference)
{
    m_points.push_back({seconds, std::isfinite(value) ? value : 0.0, reference});
    while (!m_points.empty() && m_points.front().seconds < seconds - SparklineSeconds)
        m_points.pop_front();
    update();
}

void KeyTile::clear()
{
    m_points.clear();
    show(QStringLiteral("–"), QString());
    update();
}

QSize KeyTile::sizeHint() const { return {200, minimumSizeHint().height()}; }

QSize KeyTile::minimumSizeHint() const
{
    const QFontMetrics title(scaledFont(font(), 0.95, true)), value(scaledFont(font(), 2.4, true)),
        detail(scaledFont(font(), 0.95, false));
    return {110, Padding + title.height() + value.height() + detail.height() + SparklineHeight + Padding};
}

void KeyTile::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    const QRect frame = rect().adjusted(0, 0, -1, -1);
    painter.fillRect(rect(), palette().window());
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(QPen(QColor(0xd0, 0xd0, 0xd0), 1));
    painter.setBrush(m_alarming ? QColor(0xfd, 0xec, 0xea) : QColor(Qt::white));
    painter.drawRoundedRect(QRectF(frame).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6);
    // A strip of the series' colour on the left: the same colour as its chart.
    painter.fillRect(QRect(frame.left() + 1, frame.top() + 6, 3, frame.height() - 12), m_accent);

    const int left = Padding + 4, width = frame.width() - left - Padding;
    int y = Padding;
    const QFont titleFont = scaledFont(font(), 0.95, true), valueFont = scaledFont(font(), 2.4, true),
                detailFont = scaledFont(font(), 0.95, false);
    painter.setFont(titleFont);
    painter.setPen(QColor(0x55, 0x55, 0x55));
    const QFontMetrics titleMetrics(titleFont);
    painter.drawText(QRect(left, y, width, titleMetrics.height()), Qt::AlignLeft | Qt::AlignVCenter,
                     titleMetrics.elidedText(m_title, Qt::ElideRight, width));
    y += titleMetrics.height();

    painter.setFont(valueFont);
    painter.setPen(m_alarming ? QColor(0xb0, 0x10, 0x10) : QColor(0x1a, 0x1a, 0x1a));
    const QFontMetrics valueMetrics(valueFont);
    painter.drawText(QRect(left, y, width, valueMetrics.height()), Qt::AlignLeft | Qt::AlignVCenter,
                     valueMetrics.elidedText(m_value, Qt::ElideRight, width));
    y += valueMetrics.height();

    painter.setFont(detailFont);
    painter.setPen(QColor(0x55, 0x55, 0x55));
    const QFontMetrics detailMetrics(detailFont);
    painter.drawText(QRect(left, y, width, detailMetrics.height()), Qt::AlignLeft | Qt::AlignVCenter,
                     detailMetrics.elidedText(m_detail, Qt::ElideRight, width));
    y += detailMetrics.height();

    // The sparkline over the last minute, scaled to its own peak (and the reference level).
    if (m_points.size() < 2)
        return;
    const QRectF area(left, y + 3, width, SparklineHeight - 5);
    const double newest = m_points.back().seconds, oldest = newest - SparklineSeconds;
    double top = 0;
    for (const Point &p : m_points)
        top = std::max({top, p.value, p.reference});
    top = top > 0 ? top * 1.1 : 1;
    const auto at = [&](double seconds, double value) {
        return QPointF(area.left() + (seconds - oldest) / SparklineSeconds * area.width(),
                       area.bottom() - value / top * area.height());
    };
    QPainterPath line;
    line.moveTo(at(m_points.front().seconds, m_points.front().value));
    for (const Point &p : m_points)
        line.lineTo(at(p.seconds, p.value));
    QPainterPath fill = line;
    fill.lineTo(at(newest, 0));
    fill.lineTo(at(m_points.front().seconds, 0));
    fill.closeSubpath();
    QColor light = m_accent;
    light.setAlpha(45);
    painter.fillPath(fill, light);
    painter.setPen(QPen(m_accent, 1));
    painter.setBrush(Qt::NoBrush);
    painter.drawPath(line);
    if (const double reference = m_points.back().reference; reference > 0) {
        painter.setPen(QPen(QColor(0xd7, 0x19, 0x1c), 1, Qt::DashLine));
        painter.drawLine(at(oldest, reference), at(newest, reference));
    }
}

KeyTiles::KeyTiles(QWidget *parent) : QWidget(parent)
{
    m_tiles[QueueDepth] = new KeyTile(tr("Queue depth"), QColor(0x54, 0x27, 0x88), this);
    m_tiles[Threads] = new KeyTile(tr("Running / live threads"), QColor(0x2b, 0x83, 0xba), this);
    m_tiles[Completions] = new KeyTile(tr("Completions/s"), QColor(0x1a, 0x96, 0x41), this);
    m_tiles[Failures] = new KeyTile(tr("Failures/s"), QColor(0xd7, 0x19, 0x1c), this);
    m_tiles[QueueDepth]->setToolTip(tr("Units waiting in the port now; peak since the start or the last reset"));
    m_threadsTip = tr("Average threads running a unit over the last sample, of the live threads; the dashed line "
                      "in the sparkline is the concurrency limit. Running above the limit is normal while units "
                      "block; the tile turns red only when blocking cannot explain it.");
    m_tiles[Threads]->setToolTip(m_threadsTip);
    m_tiles[Completions]->setToolTip(tr("Units finished per second; peak over the last minute"));
    m_tiles[Failures]->setToolTip(tr("Units that threw per second; peak over the last minute"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    for (KeyTile *tile : m_tiles)
        layout->addWidget(tile);
    startNewRun();
}

void KeyTiles::appendSamples(const std::vector<poolscope::Sample> &samples)
{
    if (samples.empty())
        return;
    for (const poolscope::Sample &s : samples) {
        const double seconds = m_time.secondsAt(s.pool.timestampNs);
        const std::array<double, TileCount> values = {static_cast<double>(s.pool.queued), s.averageRunning,
                                                      s.completionsPerSecond, s.failuresPerSecond};
        for (int t = 0; t < TileCount; ++t) {
            auto &recent = m_recent[static_cast<std::size_t>(t)];
            recent.emplace_back(seconds, values[static_cast<std::size_t>(t)]);
            while (recent.front().first < seconds - KeyTile::SparklineSeconds)
                recent.pop_front();
            m_tiles[static_cast<std::size_t>(t)]->addPoint(
                seconds, values[static_cast<std::size_t>(t)], t == Threads ? double(s.pool.concurrency) : 0.0);
        }
    }
    showLatest(samples.back());
}

double KeyTiles::peakOf(Tile which) const
{
    double peak = 0;
    for (const auto &[seconds, value] : m_recent[static_cast<std::size_t>(which)])
        peak = std::max(peak, value);
    return peak;
}

void KeyTiles::showLatest(const poolscope::Sample &s)
{
    using namespace unitformat;
    const poolscope::PoolSnapshot &pool = s.pool;
    m_tiles[QueueDepth]->show(count(static_cast<double>(pool.queued)),
                              tr("peak %1").arg(count(static_cast<double>(pool.peakQueued))));

    // Averages when the pool times its units (it does in the app); else the instantaneous count.
    const bool timed = pool.runningNs + pool.idleNs + pool.blockedNs > 0;
    const double running = timed ? s.averageRunning : pool.runningWorkers;
    const double blocked = timed ? s.averageBlocked : pool.blockedWorkers;
    const LimitVerdict verdict = judgeRunning(running, blocked, pool.concurrency);
    QString detail = tr("limit %1 · %2 blocked · peak %3").arg(pool.concurrency).arg(threads(blocked)).arg(pool.peakRunning);
    m_tiles[Threads]->show(tr("%1 / %2").arg(threads(running)).arg(pool.liveWorkers), detail, verdict.broken);
    const QString tip = verdict.why.isEmpty() ? m_threadsTip : m_threadsTip + QStringLiteral("\n\n") + verdict.why;
    if (m_tiles[Threads]->toolTip() != tip)
        m_tiles[Threads]->setToolTip(tip);

    m_tiles[Completions]->show(rate(s.completionsPerSecond), tr("peak %1 (1 min)").arg(rate(peakOf(Completions))));
    m_tiles[Failures]->show(rate(s.failuresPerSecond), tr("peak %1 (1 min)").arg(rate(peakOf(Failures))),
                            s.failuresPerSecond > 0);
}

KeyTiles::LimitVerdict KeyTiles::judgeRunning(double running, double blocked, std::uint32_t limit)
{
    // A twentieth of a thread of slack: averages of a few ms carry the stamps' rounding.
    constexpr double Slack = 0.05;
    using unitformat::threads;
    if (limit == 0 || running <= limit + Slack)
        return {};
    if (running - blocked > limit + Slack)
        return {true, tr("Running %1 is above the limit %2 by more than the %3 blocked threads allow "
                         "(running - blocked = %4): the port ran more threads than its limit.")
                          .arg(threads(running)).arg(limit).arg(threads(blocked)).arg(threads(running - blocked))};
    return {false, tr("Running %1 is above the limit %2, which blocking explains: %3 threads were blocked on "
                      "average, and a unit back from a BlockingScope runs beside the one released in its place.")
                       .arg(threads(running)).arg(limit).arg(threads(blocked))};
}

void KeyTiles::startNewRun()
{
    m_time.restart();
    for (auto &recent : m_recent)
        recent.clear();
    for (KeyTile *tile : m_tiles)
        tile->clear();
    m_tiles[Threads]->setToolTip(m_threadsTip);
    m_tiles[QueueDepth]->show(QStringLiteral("0"), tr("no run yet"));
}
