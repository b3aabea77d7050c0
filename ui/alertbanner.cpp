#include "alertbanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

#include <algorithm>

AlertBanner::AlertBanner(QWidget *parent) : QFrame(parent), m_label(new QLabel)
{
    setObjectName(QStringLiteral("alertBanner"));
    setStyleSheet(QStringLiteral("#alertBanner { background: #d7191c; border-radius: 4px; }"
                                 "#alertBanner QLabel { color: white; font-weight: bold; }"));
    m_label->setTextFormat(Qt::PlainText);
    m_label->setWordWrap(true);
    auto *log = new QPushButton(tr("Log"));
    log->setToolTip(tr("Show the alert log"));
    auto *dismiss = new QPushButton(tr("Dismiss"));
    dismiss->setToolTip(tr("Hide until the next alert fires"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 4, 4);
    layout->addWidget(m_label, 1);
    layout->addWidget(log);
    layout->addWidget(dismiss);
    connect(log, &QPushButton::clicked, this, &AlertBanner::detailsRequested);
    connect(dismiss, &QPushButton::clicked, this, &QWidget::hide);
    hide();
}

void AlertBanner::showFired(const QString &rule, const QString &message)
{
    m_firing.erase(std::remove_if(m_firing.begin(), m_firing.end(), [&](const Firing &f) { return f.rule == rule; }), m_firing.end());
    m_firing.prepend({rule, message});
    update();
    show();
}

void AlertBanner::showCleared(const QString &rule)
{
    m_firing.erase(std::remove_if(m_firing.begin(), m_firing.end(), [&](const Firing &f) { return f.rule == rule; }), m_firing.end());
    update();
}

void AlertBanner::clearAll()
{
    m_firing.clear();
    update();
}

void AlertBanner::update()
{
    if (m_firing.isEmpty()) {
        m_label->clear();
        hide();
        return;
    }
    QString text = tr("⚠ Alert %1: %2").arg(m_firing.front().rule, m_firing.front().message);
    if (m_firing.size() > 1)
        text += tr("  (+%n more firing)", nullptr, static_cast<int>(m_firing.size() - 1));
    m_label->setText(text);
}

QString AlertBanner::text() const { return isHidden() ? QString() : m_label->text(); }
