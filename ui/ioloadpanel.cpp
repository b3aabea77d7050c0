#include "ioloadpanel.h"

#include "settingranges.h"
#include "wheelguard.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QLabel>
#include <QSpinBox>

using poolscope::IoLoadSettings;

namespace {

using poolscope::Setting;

// A spin box over the setting's row of the range table (settingranges.h): what validate()
// accepts, and no more.
QSpinBox *spinBox(Setting setting, const QString &suffix, QWidget *parent)
{
    const poolscope::SettingRange &range = poolscope::rangeOf(setting);
    auto *spin = new QSpinBox(parent);
    spin->setRange(static_cast<int>(range.low), static_cast<int>(range.high));
    spin->setSuffix(suffix);
    spin->setGroupSeparatorShown(true);
    spin->setKeyboardTracking(false); // typing "128" applies 128, not 1, 12 and 128
    spin->setMinimumWidth(96);
    return spin;
}

} // namespace

IoLoadPanel::IoLoadPanel(QWidget *parent)
    : QGroupBox(tr("I/O load"), parent), m_echo(new QCheckBox(tr("Echo server (loopback TCP)"), this)),
      m_connections(spinBox(Setting::IoConnections, QString(), this)),
      m_messageBytes(spinBox(Setting::IoMessageSize, tr(" B"), this)), m_rate(spinBox(Setting::IoRate, tr(" msg/s"), this)),
      m_thinkTime(spinBox(Setting::IoThinkTime, tr(" µs"), this)), m_cost(spinBox(Setting::IoCost, tr(" µs"), this)),
      m_fileReads(new QCheckBox(tr("File reads (scratch file)"), this)),
      m_blockBytes(spinBox(Setting::IoBlockSize, tr(" B"), this)), m_problem(new QLabel(this))
{
    setObjectName(QStringLiteral("ioLoadPanel"));
    m_echo->setToolTip(tr("A TCP echo server on the pool's port (accept, recv, CPU cost, send) and clients that "
                          "send to it; runs while the load runs"));
    m_connections->setToolTip(tr("Client connections to the echo server"));
    m_messageBytes->setToolTip(tr("Bytes per message, echoed back whole"));
    m_rate->setSpecialValueText(tr("as fast as possible"));
    m_rate->setToolTip(tr("Messages per second over all connections (0 = as fast as possible)"));
    m_thinkTime->setToolTip(tr("A client waits this long after each echo before it sends again"));
    m_cost->setToolTip(tr("CPU time the server spends on each message, on a pool worker"));
    m_fileReads->setToolTip(tr("Reads of a scratch file made in the temporary folder and removed with the load"));
    m_blockBytes->setToolTip(tr("Bytes per file read"));
    m_problem->setObjectName(QStringLiteral("ioProblem"));
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #b01010;"));
    m_problem->hide();

    auto *form = new QFormLayout(this);
    form->addRow(m_echo);
    form->addRow(tr("Connections"), m_connections);
    form->addRow(tr("Message"), m_messageBytes);
    form->addRow(tr("Rate"), m_rate);
    form->addRow(tr("Think time"), m_thinkTime);
    form->addRow(tr("CPU / msg"), m_cost);
    form->addRow(m_fileReads);
    form->addRow(tr("Block size"), m_blockBytes);
    form->addRow(m_problem);

    for (QCheckBox *box : {m_echo, m_fileReads})
        connect(box, &QCheckBox::toggled, this, [this] {
            updateEnabledFields();
            emitSettings();
        });
    for (QSpinBox *spin : {m_connections, m_messageBytes, m_rate, m_thinkTime, m_cost, m_blockBytes})
        connect(spin, &QSpinBox::valueChanged, this, [this] { emitSettings(); });

    setSettings(IoLoadSettings{});
    WheelGuard::install(this);
}

IoLoadSettings IoLoadPanel::settings() const
{
    IoLoadSettings io = m_kept;
    io.echo = m_echo->isChecked();
    io.connections = static_cast<unsigned>(m_connections->value());
    io.messageBytes = static_cast<std::uint32_t>(m_messageBytes->value());
    io.messagesPerSecond = m_rate->value();
    io.thinkTime = std::chrono::microseconds(m_thinkTime->value());
    io.costPerMessage = std::chrono::microseconds(m_cost->value());
    io.fileReads = m_fileReads->isChecked();
    io.blockBytes = static_cast<std::uint32_t>(m_blockBytes->value());
    return io;
}

void IoLoadPanel::setSettings(const IoLoadSettings &io)
{
    m_updating = true;
    m_kept = io;
    m_echo->setChecked(io.echo);
    m_connections->setValue(static_cast<int>(io.connections));
    m_messageBytes->setValue(static_cast<int>(io.messageBytes));
    m_rate->setValue(static_cast<int>(io.messagesPerSecond));
    m_thinkTime->setValue(static_cast<int>(io.thinkTime.count()));
    m_cost->setValue(static_cast<int>(io.costPerMessage.count()));
    m_fileReads->setChecked(io.fileReads);
    m_blockBytes->setValue(static_cast<int>(io.blockBytes));
    m_updating = false;
    updateEnabledFields();
}

void IoLoadPanel::setProblem(const QString &problem)
{
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
}

QString IoLoadPanel::problemText() const { return m_problem->isVisible() ? m_problem->text() : QString(); }

void IoLoadPanel::emitSettings()
{
    if (m_updating)
        return;
    const IoLoadSettings io = settings();
    // The spin boxes hold the ranges, so this speaks only when they and validate() disagree:
    // then nothing is sent, and the message says which field and its range.
    if (const std::string error = io.validate(); !error.empty()) {
        setProblem(QString::fromStdString(error));
        return;
    }
    setProblem({});
    emit settingsChanged(io);
}

void IoLoadPanel::updateEnabledFields()
{
    for (QWidget *field : std::initializer_list<QWidget *>{m_connections, m_messageBytes, m_rate, m_thinkTime, m_cost})
        field->setEnabled(m_echo->isChecked());
    m_blockBytes->setEnabled(m_fileReads->isChecked());
}
