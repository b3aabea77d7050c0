#include "counterspanel.h"

#include "unitformat.h"
#include "workerpool.h"

#include <algorithm>
#include <variant>

#include <QFontMetrics>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

using namespace poolscope;

namespace {

// Exact counts with every digit; rates and durations in the app's one unit format.
QString count(std::uint64_t value) { return unitformat::exactCount(value); }
QString rate(double perSecond) { return unitformat::rate(perSecond); }
QString duration(std::uint64_t nanoseconds) { return unitformat::durationNs(static_cast<double>(nanoseconds)); }

QString qtText(std::string_view text) { return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size())); }

// A field's value as the panel shows it, by its unit.
QString fieldText(const SnapshotField &field, const PoolSnapshot &snapshot)
{
    const FieldValue value = field.read(snapshot);
    if (const auto *name = std::get_if<std::string_view>(&value))
        return qtText(*name);
    if (const auto *whole = std::get_if<std::uint64_t>(&value)) {
        switch (field.unit) {
        case FieldUnit::Nanoseconds: return duration(*whole);
        case FieldUnit::Bytes: return QStringLiteral("%1 B").arg(count(*whole));
        case FieldUnit::Percent: return QStringLiteral("%1 %").arg(*whole);
        default: return count(*whole);
        }
    }
    const double real = std::get<double>(value);
    switch (field.unit) {
    case FieldUnit::Nanoseconds: return duration(static_cast<std::uint64_t>(std::max(real, 0.0)));
    case FieldUnit::Percent: return QStringLiteral("%1 %").arg(real, 0, 'f', 1);
    default: return QLocale().toString(real, 'f', 2);
    }
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

    // The snapshot's fields (snapshotfields.h) in sections by group; the sample's rates and
    // latency between the threads and the rest, the backend last.
    std::map<FieldGroup, QGridLayout *> grids;
    std::map<FieldGroup, int> rows;
    const auto gridOf = [&](FieldGroup group) {
        QGridLayout *&grid = grids[group];
        if (!grid)
            grid = section(tr(titleOf(group).data()));
        return grid;
    };
    const auto addFields = [&](FieldGroup group) {
        for (const SnapshotField &field : snapshotFields())
            if (field.group == group)
                addField(gridOf(group), rows[group], field);
    };
    addFields(FieldGroup::WorkUnits);
    addFields(FieldGroup::Threads);

    int row = 0;
    QGridLayout *rates = section(tr("Rates"));
    addRow(rates, row, QStringLiteral("completionRate"), tr("Completed"), tr("Completions per second"));
    addRow(rates, row, QStringLiteral("failureRate"), tr("Failed"), tr("Failures per second"));
    addRow(rates, row, QStringLiteral("postRate"), tr("Posted"), tr("Posts per second"));

    addLatencyTable(section(tr("Latency")));

    addFields(FieldGroup::Io);
    addFields(FieldGroup::Alerts);
    addFields(FieldGroup::Pool);
    addRow(gridOf(FieldGroup::Pool), rows[FieldGroup::Pool], QStringLiteral("backend"), tr("Backend"),
           tr("How the completion port is built"));
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

CountersPanel::RowLabels CountersPanel::addRow(QGridLayout *grid, int &row, const QString &key, const QString &label, const QString &tip)
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
    return {name, value};
}

void CountersPanel::addField(QGridLayout *grid, int &row, const SnapshotField &field)
{
    const QString help = QString::fromUtf8(field.help.data(), static_cast<qsizetype>(field.help.size()));
    if (!field.sharesRowWith.empty()) {
        const auto shared = std::ranges::find_if(m_fieldRows, [&field](const FieldRow &r) {
            return r.fields.front()->name == field.sharesRowWith;
        });
        if (shared != m_fieldRows.end()) {
            shared->fields.push_back(&field);
            shared->name->setText(shared->name->text() + QStringLiteral(" / ") + qtText(field.label));
            shared->name->setToolTip(shared->name->toolTip() + QLatin1Char(' ') + help);
            return;
        }
    }
    const RowLabels labels = addRow(grid, row, qtText(field.name), qtText(field.label), help);
    m_fieldRows.push_back({labels.name, labels.value, {&field}});
}

void CountersPanel::showSample(const poolscope::Sample &sample)
{
    // On the refresh timer: straight to the labels, no lookup by name.
    for (const FieldRow &r : m_fieldRows) {
        QString text = fieldText(*r.fields.front(), sample.pool);
        for (std::size_t i = 1; i < r.fields.size(); ++i)
            text += QStringLiteral(" / ") + fieldText(*r.fields[i], sample.pool);
        r.value->setText(text);
    }
    const auto set = [this](const char *key, const QString &text) { m_values[QLatin1String(key)]->setText(text); };
    set("completionRate", rate(sample.completionsPerSecond));
    set("failureRate", rate(sample.failuresPerSecond));
    set("postRate", rate(sample.postsPerSecond));
    showLatency(WaitLastInterval, sample.queueWait);
    showLatency(ServiceLastInterval, sample.serviceTime);
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
