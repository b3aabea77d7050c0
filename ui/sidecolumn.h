#pragma once

#include <QScrollArea>

// A side column (controls, counters) that scrolls when the window is short, never sideways.
// GUI thread only.
inline QScrollArea *verticalScroller(QWidget *content)
{
    auto *scroll = new QScrollArea;
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setMinimumWidth(content->sizeHint().width() + 20);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    return scroll;
}
