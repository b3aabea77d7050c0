#pragma once

#include <QScrollArea>

#include <algorithm>

// A side column (controls, counters) that scrolls when the window is short. It may be made
// narrower than its content (then it scrolls sideways too) so that a small screen still
// holds the window; the window gives it its full width when there is room. GUI thread only.
inline QScrollArea *verticalScroller(QWidget *content)
{
    constexpr int NarrowestColumn = 160;
    auto *scroll = new QScrollArea;
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setMinimumWidth(std::min(NarrowestColumn, content->sizeHint().width() + 20));
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    return scroll;
}
