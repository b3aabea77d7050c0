#pragma once

#include "kneerule.h"

#include <QAbstractTableModel>

#include <optional>
#include <vector>

// The sweep's results as a table: one row per point measured (workers, limit, completions/s,
// utilisation, queue wait p50 and p99, service p99, measured seconds, failed), the knee's row in bold on a
// highlight. Whole-result updates (setPoints) and one row at a time as points arrive
// (appendPoint). Sorting: numbers sort as numbers (Qt::UserRole). GUI thread only.
class SweepModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Workers, Limit, CompletionsPerSecond, Utilisation, WaitP50, WaitP99, ServiceP99, Measured, Failed, ColumnCount };

    explicit SweepModel(QObject *parent = nullptr);

    void setPoints(const std::vector<poolscope::SweepFigures> &points, std::optional<std::size_t> knee);
    void appendPoint(const poolscope::SweepFigures &point);
    void setKnee(std::optional<std::size_t> knee);
    std::optional<std::size_t> knee() const { return m_knee; }
    const std::vector<poolscope::SweepFigures> &points() const { return m_points; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<poolscope::SweepFigures> m_points;
    std::optional<std::size_t> m_knee;
};
