#pragma once

#include <QFrame>

class QHBoxLayout;
class QLabel;
class QPushButton;

// One line across the window that says something the user should act on now, with its
// buttons: coloured by tone, word-wrapped, hidden by its owner when it has nothing to say.
// GUI thread only.
class NoticeBar : public QFrame {
    Q_OBJECT

public:
    enum class Tone { Invitation, Warning };

    NoticeBar(Tone tone, const QString &objectName, QWidget *parent = nullptr);

    void setText(const QString &text);
    QString text() const;
    QPushButton *addButton(const QString &text, const QString &objectName);

private:
    QLabel *m_text;
    QHBoxLayout *m_layout;
};
