#include "autosizecontrol.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QSpinBox>

AutoSizeControl::AutoSizeControl(QWidget *parent) : QWidget(parent), m_on(new QCheckBox(tr("Auto-size"))), m_target(new QSpinBox)
{
    m_on->setObjectName(QStringLiteral("autoSizeCheck"));
    m_on->setToolTip(tr("Let the pool size itself: hill climbing on completions/s, keeping queue wait p99 under the "
                        "target. Each decision is listed under Auto-size and drawn on the Threads chart."));
    m_target->setObjectName(QStringLiteral("autoSizeTarget"));
    m_target->setRange(1, 60'000);
    m_target->setValue(50);
    m_target->setPrefix(tr("p99 wait ≤ "));
    m_target->setSuffix(tr(" ms"));
    m_target->setToolTip(tr("Queue wait p99 to keep under: fewer workers are kept only while it holds"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_on);
    layout->addWidget(m_target, 1);
    const auto emitChanged = [this] {
        if (!m_updating)
            emit changed(isOn(), waitTargetMs());
    };
    connect(m_on, &QCheckBox::toggled, this, emitChanged);
    connect(m_target, &QSpinBox::valueChanged, this, emitChanged);
}

bool AutoSizeControl::isOn() const { return m_on->isChecked(); }
int AutoSizeControl::waitTargetMs() const { return m_target->value(); }

void AutoSizeControl::setState(bool on, int waitTargetMs)
{
    m_updating = true;
    m_on->setChecked(on);
    m_target->setValue(waitTargetMs);
    m_updating = false;
}
