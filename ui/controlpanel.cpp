#include "controlpanel.h"

#include "autosizecontrol.h"
#include "settingranges.h"
#include "wheelguard.h"
#include "workerslider.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

using poolscope::LoadSettings;

namespace {

using poolscope::Setting;

// The ranges are settingranges.h's; a spin box takes the whole range, a slider up to sliderHigh.
int lowOf(Setting setting) { return static_cast<int>(poolscope::rangeOf(setting).low); }
int highOf(Setting setting) { return static_cast<int>(poolscope::rangeOf(setting).high); }
int sliderEnd(Setting setting) { return static_cast<int>(poolscope::rangeOf(setting).sliderHigh); }
int percentOf(Setting setting) { return static_cast<int>(poolscope::rangeOf(setting).high * 100); } // a share as %
double decadesOf(Setting setting) { return std::log10(poolscope::rangeOf(setting).high); }

constexpr int LogSteps = 1000;

int rateToSlider(double rate)
{
    return static_cast<int>(std::lround(std::log10(std::max(1.0, rate)) / decadesOf(Setting::Rate) * LogSteps));
}
int sliderToRate(int position)
{
    return static_cast<int>(std::lround(std::pow(10.0, decadesOf(Setting::Rate) * position / LogSteps)));
}
// Unit cost: 0 at the left end, then 1 us .. the maximum logarithmically.
int costToSlider(int micros)
{
    return micros <= 0 ? 0 : static_cast<int>(std::lround(std::log10(micros) / decadesOf(Setting::MeanCost) * LogSteps));
}
int sliderToCost(int position)
{
    return position == 0 ? 0 : static_cast<int>(std::lround(std::pow(10.0, decadesOf(Setting::MeanCost) * position / LogSteps)));
}

QSlider *horizontalSlider(int low, int high, QWidget *parent)
{
    auto *slider = new QSlider(Qt::Horizontal, parent);
    slider->setRange(low, high);
    return slider;
}

QSpinBox *spinBox(int low, int high, const QString &suffix, QWidget *parent)
{
    auto *spin = new QSpinBox(parent);
    spin->setRange(low, high);
    spin->setSuffix(suffix);
    spin->setGroupSeparatorShown(true);
    spin->setKeyboardTracking(false); // typing "128" applies 128, not 1, 12 and 128
    spin->setMinimumWidth(96);
    return spin;
}

QWidget *pair(QSlider *slider, QWidget *spin, QWidget *parent)
{
    auto *row = new QWidget(parent);
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(slider, 1);
    layout->addWidget(spin);
    return row;
}

template <typename Enum, std::size_t N>
QComboBox *picker(const std::array<Enum, N> &values, const std::array<const char *, N> &labels, QWidget *parent)
{
    auto *box = new QComboBox(parent);
    for (std::size_t i = 0; i < N; ++i)
        box->addItem(QObject::tr(labels[i]), static_cast<int>(values[i]));
    return box;
}

} // namespace

ControlPanel::ControlPanel(QWidget *parent) : QWidget(parent)
{
    // --- pool ---
    auto *poolBox = new QGroupBox(tr("Pool"), this);
    m_workerSlider = new WorkerSlider(this);
    m_workerSlider->setMaximumCount(sliderEnd(Setting::Workers));
    m_workerSpin = spinBox(lowOf(Setting::Workers), highOf(Setting::Workers), QString(), this);
    m_workerSpin->setSpecialValueText(tr("0 (none)"));
    m_workerSlider->setObjectName(QStringLiteral("workerSlider"));
    m_workerSlider->setToolTip(tr("Worker threads, 1 to %1 (logarithmic; arrow keys step by one). Type 0 or up to %2 "
                                  "in the box.")
                                   .arg(sliderEnd(Setting::Workers))
                                   .arg(m_workerSpin->maximum()));
    m_concurrencySlider = horizontalSlider(lowOf(Setting::Concurrency), sliderEnd(Setting::Concurrency), this);
    m_concurrencySpin = spinBox(lowOf(Setting::Concurrency), highOf(Setting::Concurrency), QString(), this);
    m_concurrencySpin->setSpecialValueText(tr("CPUs"));
    m_concurrencySlider->setToolTip(tr("How many threads may run units at once (0 = number of processors)"));
    m_policy = picker<poolscope::ExceptionPolicy, 3>(
        {poolscope::ExceptionPolicy::LogAndContinue, poolscope::ExceptionPolicy::RetireWorker,
         poolscope::ExceptionPolicy::FailFast},
        {"Log and continue", "Retire the worker", "Fail fast"}, this);
    m_policy->setToolTip(tr("What happens when a unit throws"));
    m_graceful = new QPushButton(tr("Graceful shutdown"), this);
    m_graceful->setToolTip(tr("Stop accepting, run everything queued, join"));
    m_fast = new QPushButton(tr("Fast shutdown"), this);
    m_fast->setToolTip(tr("Stop accepting, cancel what is queued, let running units finish"));
    m_restart = new QPushButton(tr("Restart pool"), this);
    m_graceful->setObjectName(QStringLiteral("gracefulShutdownButton"));
    m_fast->setObjectName(QStringLiteral("fastShutdownButton"));
    m_restart->setObjectName(QStringLiteral("restartButton"));
    auto *shutdownRow = new QHBoxLayout;
    shutdownRow->addWidget(m_graceful);
    shutdownRow->addWidget(m_fast);
    auto *poolForm = new QFormLayout(poolBox);
    poolForm->addRow(tr("Workers"), pair(m_workerSlider, m_workerSpin, this));
    poolForm->addRow(tr("Concurrency"), pair(m_concurrencySlider, m_concurrencySpin, this));
    poolForm->addRow(m_autoSize = new AutoSizeControl(this));
    poolForm->addRow(tr("On exception"), m_policy);
    poolForm->addRow(shutdownRow);
    poolForm->addRow(m_restart);

    // --- load ---
    auto *loadBox = new QGroupBox(tr("Load"), this);
    m_start = new QPushButton(tr("Start load"), this);
    m_start->setObjectName(QStringLiteral("startLoad"));
    m_stop = new QPushButton(tr("Stop"), this);
    auto *loadButtons = new QHBoxLayout;
    loadButtons->addWidget(m_start, 2);
    loadButtons->addWidget(m_stop, 1);
    m_pattern = picker<poolscope::LoadPattern, 5>(
        {poolscope::LoadPattern::Steady, poolscope::LoadPattern::Bursts, poolscope::LoadPattern::Ramp,
         poolscope::LoadPattern::Sine, poolscope::LoadPattern::AsFastAsPossible},
        {"Steady rate", "Bursts", "Ramp", "Sine", "As fast as possible"}, this);
    m_rateSlider = horizontalSlider(0, LogSteps, this);
    m_rateSpin = spinBox(lowOf(Setting::Rate), highOf(Setting::Rate), tr(" /s"), this);
    m_rateSlider->setToolTip(tr("Units per second (logarithmic); the peak for ramp and sine"));
    m_producers = spinBox(lowOf(Setting::Producers), highOf(Setting::Producers), QString(), this);
    m_burstSize = spinBox(lowOf(Setting::BurstSize), highOf(Setting::BurstSize), tr(" units"), this);
    m_burstInterval = spinBox(lowOf(Setting::BurstInterval), highOf(Setting::BurstInterval), tr(" ms"), this);
    m_period = spinBox(lowOf(Setting::Period), highOf(Setting::Period), tr(" ms"), this);
    m_period->setToolTip(tr("Period of the ramp and the sine"));
    auto *burstRow = new QHBoxLayout;
    burstRow->addWidget(m_burstSize);
    burstRow->addWidget(new QLabel(tr("every"), this));
    burstRow->addWidget(m_burstInterval);
    auto *loadForm = new QFormLayout(loadBox);
    loadForm->addRow(loadButtons);
    loadForm->addRow(tr("Pattern"), m_pattern);
    loadForm->addRow(tr("Rate"), pair(m_rateSlider, m_rateSpin, this));
    loadForm->addRow(tr("Burst"), burstRow);
    loadForm->addRow(tr("Period"), m_period);
    loadForm->addRow(tr("Producers"), m_producers);

    // --- units ---
    auto *unitBox = new QGroupBox(tr("Work units"), this);
    m_costSlider = horizontalSlider(0, LogSteps, this);
    m_costSpin = spinBox(lowOf(Setting::MeanCost), highOf(Setting::MeanCost), tr(" µs"), this);
    m_costSlider->setToolTip(tr("Mean CPU time a unit spins (logarithmic)"));
    m_distribution = picker<poolscope::CostDistribution, 3>(
        {poolscope::CostDistribution::Constant, poolscope::CostDistribution::Uniform,
         poolscope::CostDistribution::Exponential},
        {"Constant", "Uniform", "Exponential"}, this);
    m_blockingSlider = horizontalSlider(0, percentOf(Setting::BlockingShare), this);
    m_blockingSpin = spinBox(0, percentOf(Setting::BlockingShare), tr(" %"), this);
    m_blockingSlider->setToolTip(tr("Share of units that block (sleep inside a BlockingScope)"));
    m_blockingTime = spinBox(lowOf(Setting::BlockingTime), highOf(Setting::BlockingTime), tr(" µs"), this);
    m_exceptionSlider = horizontalSlider(0, percentOf(Setting::ExceptionProbability) * 10, this); // 0.1 % steps
    m_exceptionSpin = new QDoubleSpinBox(this);
    m_exceptionSpin->setRange(0, percentOf(Setting::ExceptionProbability));
    m_exceptionSpin->setDecimals(1);
    m_exceptionSpin->setSuffix(tr(" %"));
    m_exceptionSpin->setKeyboardTracking(false);
    m_exceptionSpin->setMinimumWidth(96);
    m_exceptionType = picker<poolscope::ThrownType, 4>(
        {poolscope::ThrownType::RuntimeError, poolscope::ThrownType::CustomException,
         poolscope::ThrownType::NonStdClass, poolscope::ThrownType::Int},
        {"std::runtime_error", "std::exception subclass", "non-std class", "int"}, this);
    m_queueCap = spinBox(lowOf(Setting::QueueCap), highOf(Setting::QueueCap), tr(" units"), this);
    m_queueCap->setToolTip(tr("Producers wait while this many units are queued"));
    auto *unitForm = new QFormLayout(unitBox);
    unitForm->addRow(tr("CPU cost"), pair(m_costSlider, m_costSpin, this));
    unitForm->addRow(tr("Distribution"), m_distribution);
    unitForm->addRow(tr("Blocking"), pair(m_blockingSlider, m_blockingSpin, this));
    unitForm->addRow(tr("Block for"), m_blockingTime);
    unitForm->addRow(tr("Exceptions"), pair(m_exceptionSlider, m_exceptionSpin, this));
    unitForm->addRow(tr("Throw"), m_exceptionType);
    unitForm->addRow(tr("Queue cap"), m_queueCap);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(poolBox);
    layout->addWidget(loadBox);
    layout->addWidget(unitBox);
    layout->addStretch(1);

    // --- wiring: sliders and spin boxes mirror each other; both emit once ---
    connect(m_workerSlider, &WorkerSlider::countChanged, this, [this](int count) {
        if (m_updating)
            return;
        const QSignalBlocker blocker(m_workerSpin);
        m_workerSpin->setValue(count);
        emit workerCountChanged(count);
    });
    connect(m_workerSpin, &QSpinBox::valueChanged, this, [this](int value) {
        if (m_updating)
            return;
        m_workerSlider->setCount(value); // silent
        emit workerCountChanged(value);
    });
    connect(m_concurrencySlider, &QSlider::valueChanged, this, [this](int value) {
        if (m_updating)
            return;
        const QSignalBlocker blocker(m_concurrencySpin);
        m_concurrencySpin->setValue(value);
        emit concurrencyChanged(value);
    });
    connect(m_concurrencySpin, &QSpinBox::valueChanged, this, [this](int value) {
        if (m_updating)
            return;
        const QSignalBlocker blocker(m_concurrencySlider);
        m_concurrencySlider->setValue(std::min(value, sliderEnd(Setting::Concurrency)));
        emit concurrencyChanged(value);
    });
    connect(m_policy, &QComboBox::currentIndexChanged, this, [this] {
        if (!m_updating)
            emit policyChanged(static_cast<poolscope::ExceptionPolicy>(m_policy->currentData().toInt()));
    });
    const auto mirror = [this](QSlider *slider, auto *spin, auto toSpin, auto toSlider) {
        connect(slider, &QSlider::valueChanged, this, [this, spin, toSpin](int position) {
            if (m_updating)
                return;
            const QSignalBlocker blocker(spin);
            spin->setValue(toSpin(position));
            emitLoadSettings();
        });
        connect(spin, &std::remove_pointer_t<decltype(spin)>::valueChanged, this, [this, slider, toSlider](auto value) {
                    if (m_updating)
                        return;
                    const QSignalBlocker blocker(slider);
                    slider->setValue(toSlider(value));
                    emitLoadSettings();
                });
    };
    mirror(m_rateSlider, m_rateSpin, sliderToRate, rateToSlider);
    mirror(m_costSlider, m_costSpin, sliderToCost, costToSlider);
    mirror(m_blockingSlider, m_blockingSpin, [](int p) { return p; }, [](int v) { return v; });
    mirror(m_exceptionSlider, m_exceptionSpin, [](int p) { return p / 10.0; },
           [](double v) { return static_cast<int>(std::lround(v * 10)); });
    for (QSpinBox *spin : {m_producers, m_burstSize, m_burstInterval, m_period, m_blockingTime, m_queueCap})
        connect(spin, &QSpinBox::valueChanged, this, [this] { emitLoadSettings(); });
    for (QComboBox *box : {m_pattern, m_distribution, m_exceptionType})
        connect(box, &QComboBox::currentIndexChanged, this, [this] {
            updateEnabledFields();
            emitLoadSettings();
        });

    connect(m_start, &QPushButton::clicked, this, &ControlPanel::startPauseRequested);
    connect(m_stop, &QPushButton::clicked, this, &ControlPanel::stopRequested);
    connect(m_graceful, &QPushButton::clicked, this, [this] { emit shutdownRequested(true); });
    connect(m_fast, &QPushButton::clicked, this, [this] { emit shutdownRequested(false); });
    connect(m_restart, &QPushButton::clicked, this, &ControlPanel::restartRequested);

    setState(ControlState{});
    setLoadState(poolscope::LoadState::Stopped);
    setPoolStopped(false);
    WheelGuard::install(this);
}

void ControlPanel::chooseWorkerCount(int count) { m_workerSpin->setValue(count); }

ControlState ControlPanel::state() const
{
    ControlState state;
    state.workers = m_workerSpin->value();
    state.concurrency = m_concurrencySpin->value();
    state.policy = static_cast<poolscope::ExceptionPolicy>(m_policy->currentData().toInt());
    LoadSettings &load = state.load;
    load.producers = static_cast<unsigned>(m_producers->value());
    load.pattern = static_cast<poolscope::LoadPattern>(m_pattern->currentData().toInt());
    load.ratePerSecond = m_rateSpin->value();
    load.burstSize = static_cast<unsigned>(m_burstSize->value());
    load.burstInterval = std::chrono::milliseconds(m_burstInterval->value());
    load.period = std::chrono::milliseconds(m_period->value());
    load.costDistribution = static_cast<poolscope::CostDistribution>(m_distribution->currentData().toInt());
    load.meanCost = std::chrono::microseconds(m_costSpin->value());
    load.blockingShare = m_blockingSpin->value() / 100.0;
    load.blockingTime = std::chrono::microseconds(m_blockingTime->value());
    load.exceptionProbability = m_exceptionSpin->value() / 100.0;
    load.exceptionType = static_cast<poolscope::ThrownType>(m_exceptionType->currentData().toInt());
    load.queueCap = static_cast<std::uint64_t>(m_queueCap->value());
    return state;
}

void ControlPanel::setState(const ControlState &state)
{
    m_updating = true;
    m_workerSpin->setValue(state.workers);
    m_workerSlider->setCount(state.workers);
    m_concurrencySpin->setValue(state.concurrency);
    m_concurrencySlider->setValue(std::min(state.concurrency, sliderEnd(Setting::Concurrency)));
    m_policy->setCurrentIndex(m_policy->findData(static_cast<int>(state.policy)));
    const LoadSettings &load = state.load;
    m_producers->setValue(static_cast<int>(load.producers));
    m_pattern->setCurrentIndex(m_pattern->findData(static_cast<int>(load.pattern)));
    m_rateSpin->setValue(static_cast<int>(load.ratePerSecond));
    m_rateSlider->setValue(rateToSlider(load.ratePerSecond));
    m_burstSize->setValue(static_cast<int>(load.burstSize));
    m_burstInterval->setValue(static_cast<int>(load.burstInterval.count()));
    m_period->setValue(static_cast<int>(load.period.count()));
    m_distribution->setCurrentIndex(m_distribution->findData(static_cast<int>(load.costDistribution)));
    m_costSpin->setValue(static_cast<int>(load.meanCost.count()));
    m_costSlider->setValue(costToSlider(static_cast<int>(load.meanCost.count())));
    m_blockingSpin->setValue(static_cast<int>(std::lround(load.blockingShare * 100)));
    m_blockingSlider->setValue(m_blockingSpin->value());
    m_blockingTime->setValue(static_cast<int>(load.blockingTime.count()));
    m_exceptionSpin->setValue(load.exceptionProbability * 100);
    m_exceptionSlider->setValue(static_cast<int>(std::lround(load.exceptionProbability * 1000)));
    m_exceptionType->setCurrentIndex(m_exceptionType->findData(static_cast<int>(load.exceptionType)));
    m_queueCap->setValue(static_cast<int>(load.queueCap));
    m_updating = false;
    updateEnabledFields();
}

void ControlPanel::setLoadState(poolscope::LoadState state)
{
    m_start->setText(state == poolscope::LoadState::Running ? tr("Pause load")
                     : state == poolscope::LoadState::Paused ? tr("Resume load")
                                                              : tr("Start load"));
    m_stop->setEnabled(state != poolscope::LoadState::Stopped);
}

void ControlPanel::setPoolStopped(bool stopped)
{
    for (QWidget *widget : std::initializer_list<QWidget *>{m_workerSlider, m_workerSpin, m_concurrencySlider,
                                                            m_concurrencySpin, m_graceful, m_fast, m_start})
        widget->setEnabled(!stopped);
    m_restart->setEnabled(stopped);
}

void ControlPanel::emitLoadSettings()
{
    if (!m_updating)
        emit loadSettingsChanged(state().load);
}

void ControlPanel::updateEnabledFields()
{
    const auto pattern = static_cast<poolscope::LoadPattern>(m_pattern->currentData().toInt());
    const bool bursts = pattern == poolscope::LoadPattern::Bursts;
    const bool paced = pattern != poolscope::LoadPattern::AsFastAsPossible && !bursts;
    m_rateSlider->setEnabled(paced);
    m_rateSpin->setEnabled(paced);
    m_burstSize->setEnabled(bursts);
    m_burstInterval->setEnabled(bursts);
    m_period->setEnabled(pattern == poolscope::LoadPattern::Ramp || pattern == poolscope::LoadPattern::Sine);
}
