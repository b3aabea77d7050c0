#include "counterspanel.h"

#include "workerpool.h"

#include <QFontMetrics>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

namespace {

QString count(std::uint64_t value) { return QLocale().toString(static_cast<qulonglong>(value)); }

QString rate(double perSecond)
{
    if (perSecond >= 1e6)
        return QStringLiteral("%1 M/s").arg(perSecond / 1e6, 0, 'f', 2);
    if (perSecond >= 1e4)
        return QStringLiteral("%1 k/s").arg(perSecond / 1e3, 0, 'f', 1);
    return QStringLiteral("%1 /s").arg(perSecond, 0, 'f', 0);
}

QString duration(std::uint64_t nanoseconds)
{
    if (nanoseconds >= 1'000'000'000)
        return QStringLiteral("%1 s").arg(static_cast<double>(nanoseconds) / 1e9, 0, 'f', 2);
    if (nanoseconds >= 1'000'000)
        return QStringLiteral("%1 ms").arg(static_cast<double>(nanoseconds) / 1e6, 0, 'f', 2);
    if (nanoseconds >= 1'000)
        return QStringLiteral("%1 µs").arg(static_cast<double>(nanoseconds) / 1e3, 0, 'f', 1);
    return QStringLiteral("%1 ns").arg(nanoseconds);
}

} // namespace

CountersPanel::CountersPanel(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);

    const auto section = [this, layout](const QString &title) {
        auto *box = new QGroupBox(title, this);
        auto *grid = new QGridLayout(box);
        grid->setHorizontalSpacing(10);
        grid->setVerticalSpacing(2);
        grid->setColumnStretch(0, 1);
        layout->addWidget(box);
        return grid;
    };

    int row = 0;
    QGridLayout *units = section(tr("Work units"));
    addRow(units, row, QStringLiteral("posted"), tr("Posted"), tr("Units accepted by the pool"));
    addRow(units, row, QStringLiteral("completed"), tr("Completed"), tr("Units that ran to the end"));
    addRow(units, row, QStringLiteral("failed"), tr("Failed"), tr("Units that threw"));
    addRow(units, row, QStringLiteral("cancelled"), tr("Cancelled"), tr("Units destroyed without running"));
    addRow(units, row, QStringLiteral("rejected"), tr("Rejected"), tr("Posts refused: the pool was not accepting"));
    addRow(units, row, QStringLiteral("queued"), tr("Queued (peak)"), tr("Waiting in the port now, and the peak"));
    addRow(units, row, QStringLiteral("inFlight"), tr("In flight"), tr("Started, not finished"));

    row = 0;
    QGridLayout *threads = section(tr("Threads"));
    addRow(threads, row, QStringLiteral("target"), tr("Target / live"), tr("Workers asked for, and threads alive"));
    addRow(threads, row, QStringLiteral("running"), tr("Running (peak)"), tr("In a unit, not blocked; and the peak"));
    addRow(threads, row, QStringLiteral("blocked"), tr("Blocked"), tr("In a unit, inside a BlockingScope"));
    addRow(threads, row, QStringLiteral("idle"), tr("Idle"), tr("Waiting in dequeue"));
    addRow(threads, row, QStringLiteral("retiring"), tr("Retiring"), tr("Asked to retire, not yet gone"));
    addRow(threads, row, QStringLiteral("concurrency"), tr("Concurrency limit"), tr("Threads allowed to run at once"));
    addRow(threads, row, QStringLiteral("wakes"), tr("Parks / wakes"), tr("Futex sleeps and wake-ups: the slow path"));

    row = 0;
    QGridLayout *rates = section(tr("Rates"));
    addRow(rates, row, QStringLiteral("completionRate"), tr("Completed"), tr("Completions per second"));
    addRow(rates, row, QStringLiteral("failureRate"), tr("Failed"), tr("Failures per second"));
    addRow(rates, row, QStringLiteral("postRate"), tr("Posted"), tr("Posts per second"));

    addLatencyTable(section(tr("Latency")));

    row = 0;
    QGridLayout *pool = section(tr("Pool"));
    addRow(pool, row, QStringLiteral("state"), tr("State"), tr("running, draining, failed or stopped"));
    addRow(pool, row, QStringLiteral("policy"), tr("On exception"), tr("The exception policy in force"));
    addRow(pool, row, QStringLiteral("dropped"), tr("Reports dropped"), tr("Exception reports lost to a full queue"));
    addRow(pool, row, QStringLiteral("backend"), tr("Backend"), tr("How the completion port is built"));
    m_values[QStringLiteral("backend")]->setText(QString::fromLatin1(poolscope::WorkerPool::backendName()));

    m_resetPeaks = new QPushButton(tr("Reset peaks"), this);
    QPushButton *reset = m_resetPeaks;
    reset->setToolTip(tr("Reset the peaks of queued and running (Ctrl+R)"));
    connect(reset, &QPushButton::clicked, this, &CountersPanel::resetPeaksRequested);
    layout->addWidget(reset);
    layout->addStretch(1);
}

void CountersPanel::addLatencyTable(QGridLayout *grid)
{
    // Columns: queue wait and service time over the last sample interval, then since the
    // start; one row per percentile.
    const QString columns[] = {tr("wait"), tr("service"), tr("wait"), tr("service")};
    const QString columnTips[] = {tr("Post to start, last interval"), tr("Start to end, last interval"),
                                  tr("Post to start, since the pool started"), tr("Start to end, since the pool started")};
    const QString scopeNames[] = {tr("last interval"), tr("since start")};
    for (int scope = 0; scope < 2; ++scope) {
        auto *heading = new QLabel(scopeNames[scope], this);
        heading->setAlignment(Qt::AlignCenter);
        heading->setStyleSheet(QStringLiteral("color: #555; border-bottom: 1px solid #ccc;"));
        grid->addWidget(heading, 0, 1 + 2 * scope, 1, 2);
    }
    for (int c = 0; c < 4; ++c) {
        auto *heading = new QLabel(columns[c], this);
        heading->setToolTip(columnTips[c]);
        heading->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        heading->setStyleSheet(QStringLiteral("color: #555;"));
        grid->addWidget(heading, 1, c + 1);
    }
    QFont mono = font();
    mono.setFamily(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    const int cellWidth = QFontMetrics(mono).horizontalAdvance(QStringLiteral("999.9 ms"));
    for (std::size_t r = 0; r < PercentileCount; ++r) {
        const int gridRow = static_cast<int>(r) + 2; // below the two heading rows
        grid->addWidget(new QLabel(QLatin1String(Percentiles[r]), this), gridRow, 0);
        for (std::size_t c = 0; c < LatencyColumnCount; ++c) {
            auto *value = new QLabel(QStringLiteral("–"), this);
            value->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
            value->setFont(mono);
            value->setMinimumWidth(cellWidth);
            value->setTextInteractionFlags(Qt::TextSelectableByMouse);
            const QString key = QStringLiteral("%1.%2").arg(QLatin1String(LatencyColumns[c]), QLatin1String(Percentiles[r]));
            value->setObjectName(key);
            if (c >= 2)
                value->setStyleSheet(QStringLiteral("color: #555;"));
            grid->addWidget(value, gridRow, static_cast<int>(c) + 1);
            m_values[key] = value;
            m_latencyCells[c][r] = value;
        }
    }
    grid->setColumnStretch(0, 1);
}

void CountersPanel::showLatency(LatencyColumn column, const poolscope::LatencySummary &s)
{
    // On the refresh timer: straight to the cells, no lookup by name.
    const std::uint64_t values[PercentileCount] = {s.p50, s.p90, s.p99, s.p999, s.max};
    for (std::size_t r = 0; r < PercentileCount; ++r)
        m_latencyCells[column][r]->setText(s.count == 0 ? QStringLiteral("–") : duration(values[r]));
}

void CountersPanel::showLatencySinceStart(const poolscope::LatencySummary &queueWait,
                                          const poolscope::LatencySummary &serviceTime)
{
    showLatency(WaitSinceStart, queueWait);
    showLatency(ServiceSinceStart, serviceTime);
}

QLabel *CountersPanel::addRow(QGridLayout *grid, int &row, const QString &key, const QString &label, const QString &tip)
{
    auto *name = new QLabel(label, this);
    name->setToolTip(tip);
    auto *value = new QLabel(QStringLiteral("–"), this);
    value->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont mono = value->font();
    mono.setFamily(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    value->setFont(mono);
    value->setMinimumWidth(QFontMetrics(mono).horizontalAdvance(QStringLiteral("99,999,999,999")));
    value->setObjectName(key);
    grid->addWidget(name, row, 0);
    grid->addWidget(value, row, 1);
    ++row;
    m_values[key] = value;
    return value;
}

void CountersPanel::showSample(const poolscope::Sample &sample)
{
    const poolscope::PoolSnapshot &s = sample.pool;
    const auto set = [this](const char *key, const QString &text) { m_values[QLatin1String(key)]->setText(text); };
    set("posted", count(s.posted));
    set("completed", count(s.completed));
    set("failed", count(s.failed));
    set("cancelled", count(s.cancelled));
    set("rejected", count(s.rejected));
    set("queued", QStringLiteral("%1 (%2)").arg(count(s.queued), count(s.peakQueued)));
    set("inFlight", count(s.inFlight));
    set("target", QStringLiteral("%1 / %2").arg(s.targetWorkers).arg(s.liveWorkers));
    set("running", QStringLiteral("%1 (%2)").arg(s.runningWorkers).arg(s.peakRunning));
    set("blocked", QString::number(s.blockedWorkers));
    set("idle", QString::number(s.idleWorkers));
    set("retiring", QString::number(s.retiringWorkers));
    set("concurrency", QString::number(s.concurrency));
    set("wakes", QStringLiteral("%1 / %2").arg(count(s.parks), count(s.wakes)));
    set("completionRate", rate(sample.completionsPerSecond));
    set("failureRate", rate(sample.failuresPerSecond));
    set("postRate", rate(sample.postsPerSecond));
    showLatency(WaitLastInterval, sample.queueWait);
    showLatency(ServiceLastInterval, sample.serviceTime);
    set("state", QString::fromUtf8(poolscope::nameOf(s.state).data()));
    set("policy", QString::fromUtf8(poolscope::nameOf(s.policy).data()));
    set("dropped", count(s.exceptionReportsDropped));
}

void CountersPanel::setReadOnly(const QString &backend)
{
    m_resetPeaks->hide();
    m_values[QStringLiteral("backend")]->setText(backend);
}

QString CountersPanel::valueText(const QString &key) const
{
    const auto found = m_values.find(key);
    return found == m_values.end() ? QString() : found->second->text();
}
