#include "workerslider.h"

#include <QKeyEvent>

#include <algorithm>
#include <cmath>

WorkerSlider::WorkerSlider(QWidget *parent) : QSlider(Qt::Horizontal, parent)
{
    setRange(0, Positions);
    setPageStep(Positions / 10);
    setFocusPolicy(Qt::StrongFocus); // a click or Tab focuses it; the wheel alone does not
    connect(this, &QSlider::valueChanged, this, [this](int position) {
        if (m_placing)
            return;
        const int count = countAt(position);
        if (count == m_count)
            return;
        m_count = count;
        emit countChanged(count);
    });
}

void WorkerSlider::setMaximumCount(int maximum)
{
    m_maximum = std::max(2, maximum);
    setCount(m_count);
}

int WorkerSlider::positionOf(int count) const
{
    count = std::clamp(count, 1, m_maximum);
    return static_cast<int>(std::lround(std::log(count) / std::log(m_maximum) * Positions));
}

int WorkerSlider::countAt(int position) const
{
    position = std::clamp(position, 0, Positions);
    return std::clamp(static_cast<int>(std::lround(std::pow(m_maximum, double(position) / Positions))), 1, m_maximum);
}

void WorkerSlider::setCount(int count)
{
    m_count = std::clamp(count, 1, m_maximum);
    m_placing = true;
    setValue(positionOf(m_count));
    m_placing = false;
}

void WorkerSlider::stepTo(int count)
{
    count = std::clamp(count, 1, m_maximum);
    if (count == m_count)
        return;
    setCount(count);
    emit countChanged(count);
}

void WorkerSlider::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Right:
    case Qt::Key_Up:
        stepTo(m_count + 1);
        break;
    case Qt::Key_Left:
    case Qt::Key_Down:
        stepTo(m_count - 1);
        break;
    case Qt::Key_PageUp:
        stepTo(m_count * 2);
        break;
    case Qt::Key_PageDown:
        stepTo(m_count / 2);
        break;
    case Qt::Key_Home:
        stepTo(1);
        break;
    case Qt::Key_End:
        stepTo(m_maximum);
        break;
    default:
        QSlider::keyPressEvent(event);
        return;
    }
    event->accept();
}
