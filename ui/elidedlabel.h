#pragma once

#include <QLabel>

// A one-line label that gives up width before anything else does: when it has less room than
// its text needs, the text ends in "…" and the whole of it is the tooltip. Status bar lines
// use it, so that a narrow window cuts words rather than pushing widgets off-screen.
// GUI thread only.
class ElidedLabel : public QLabel {
    Q_OBJECT

public:
    explicit ElidedLabel(QWidget *parent = nullptr);

    QSize minimumSizeHint() const override;
    bool isElided() const; // the text does not fit now

protected:
    void paintEvent(QPaintEvent *event) override;
};
