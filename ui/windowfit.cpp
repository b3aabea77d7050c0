#include "windowfit.h"

#include <algorithm>

QSize firstWindowSize(QSize preferred, const QRect &available)
{
    const QSize room = (available.size() - WindowFrameAllowance).expandedTo(QSize(1, 1));
    return preferred.boundedTo(room);
}

QRect clampToScreen(const QRect &frame, const QRect &available)
{
    QRect fitted(frame.topLeft(), frame.size().boundedTo(available.size()));
    fitted.moveLeft(std::clamp(fitted.left(), available.left(), available.right() - fitted.width() + 1));
    fitted.moveTop(std::clamp(fitted.top(), available.top(), available.bottom() - fitted.height() + 1));
    return fitted;
}
