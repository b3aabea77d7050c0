#pragma once

#include <QWidget>

#include <cstdint>

class QTreeWidget;

// A small log of the auto-sizer's decisions or of fired alerts: one row per entry (run time,
// what, why), the newest at the bottom and scrolled to while the user does not look
// elsewhere, at most MaxRows (the oldest go). GUI thread only.
class WatchLogView : public QWidget {
    Q_OBJECT

public:
    static constexpr int MaxRows = 1000;

    // `columns`: the header of the second and third column ("Decision", "Reason").
    WatchLogView(const QString &what, const QString &why, QWidget *parent = nullptr);

    // `runSeconds`: since the run's first sample; `highlight` draws the row in the alert colour.
    void addEntry(double runSeconds, const QString &what, const QString &why, bool highlight = false);
    void clear();
    int rowCount() const;
    QString rowText(int row) const; // "12.3 s | +2 workers | throughput ..." (for tests)

private:
    QTreeWidget *m_tree;
};
