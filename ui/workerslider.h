#pragma once

#include <QSlider>

// The worker-count slider: logarithmic from 1 to the maximum, so that the low counts, where
// one thread more or less matters, get most of its length (1 -> 2 is a tenth of it, as is
// 128 -> 256), and "down to 1" never lands on 0 (0 workers is typed in the spin box, on
// purpose). The arrow keys step the count by one, Page Up/Down double and halve it, Home/End
// go to the ends. countChanged() reports counts, never positions. GUI thread only.
class WorkerSlider : public QSlider {
    Q_OBJECT

public:
    static constexpr int Positions = 1000;

    explicit WorkerSlider(QWidget *parent = nullptr);

    void setMaximumCount(int maximum); // >= 2
    int maximumCount() const { return m_maximum; }
    int count() const { return m_count; }
    // Moves the handle to `count` (clamped to 1..maximum) without emitting countChanged().
    void setCount(int count);

    int positionOf(int count) const;
    int countAt(int position) const;

signals:
    void countChanged(int count); // by the user: drag, click, keys

protected:
    void keyPressEvent(QKeyEvent *event) override;

private:
    void stepTo(int count);

    int m_maximum = 1024;
    int m_count = 1;
    bool m_placing = false;
};
