#include "noticebar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

NoticeBar::NoticeBar(Tone tone, const QString &objectName, QWidget *parent)
    : QFrame(parent), m_text(new QLabel(this)), m_layout(new QHBoxLayout(this))
{
    setObjectName(objectName);
    // Colours that read on light and dark themes alike: the text keeps its own dark colour.
    setStyleSheet(tone == Tone::Warning
                      ? QStringLiteral("NoticeBar { background: #fde2e1; border: 1px solid #d7191c; border-radius: 4px; }"
                                       "NoticeBar QLabel { color: #5c0b0c; }")
                      : QStringLiteral("NoticeBar { background: #e3f0fb; border: 1px solid #2b83ba; border-radius: 4px; }"
                                       "NoticeBar QLabel { color: #0b3350; }"));
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::RichText);
    m_layout->setContentsMargins(8, 4, 8, 4);
    m_layout->addWidget(m_text, 1);
    hide();
}

void NoticeBar::setText(const QString &text) { m_text->setText(text); }
QString NoticeBar::text() const { return m_text->text(); }

QPushButton *NoticeBar::addButton(const QString &text, const QString &objectName)
{
    auto *button = new QPushButton(text, this);
    button->setObjectName(objectName);
    m_layout->addWidget(button);
    return button;
}
