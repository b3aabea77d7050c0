#pragma once

#include <QRect>
#include <QSize>

// Where a top-level window goes on a screen: pure geometry, so that it is tested without one.
// Any thread.

// Room left around a window for its frame and title bar, which are not known before it is
// shown: a window of the available size minus this fits with its decorations.
inline constexpr QSize WindowFrameAllowance{16, 40};

// The first size of a window that would like `preferred`: as large, or as large as fits in
// `available` (a screen's available geometry) with room for the frame.
QSize firstWindowSize(QSize preferred, const QRect &available);

// A restored frame geometry moved and shrunk so that all of it lies on `available` (a saved
// geometry from a larger screen, or one whose screen is gone).
QRect clampToScreen(const QRect &frame, const QRect &available);
