#pragma once

#include <QColor>
#include <QVector>
#include <QWidget>

class QCustomPlot;

// A titled chart of a few named lines with a legend: the sweep's figures against worker count
// (one line per limit) and the comparison's runs overlaid on one time axis (one line per run).
// qcustomplot.h stays in the .cpp (it costs seconds of compile per includer). GUI thread only.
class LineChart : public QWidget {
    Q_OBJECT

public:
    LineChart(const QString &title, const QString &xLabel, const QString &yLabel, QWidget *parent = nullptr);

    // Powers of two on x (worker counts), a log scale on y (latency); both off by default.
    void setLogX(bool log2);
    void setLogY(bool log);
    // Legend entries per row under the chart (3 by default); the rest wrap to new rows.
    void setLegendColumns(int columns);
    // x as "m:ss" (time since start) instead of numbers.
    void setTimeAxis();

    void clear();
    // Points with y <= 0 are left out on a log y axis (the scale has no place for them).
    void addLine(const QString &name, const QColor &color, const QVector<double> &xs, const QVector<double> &ys);
    // A ringed point with a label above it (the knee).
    void addMarker(double x, double y, const QString &label);
    // Fits the axes to what is drawn and replots.
    void refit();

    int lineCount() const;
    QCustomPlot *plot() const { return m_plot; }

private:
    QCustomPlot *m_plot;
    bool m_logY = false;
};

// The n-th of a fixed set of colours that read well on white and apart from one another.
QColor seriesColor(int n);
