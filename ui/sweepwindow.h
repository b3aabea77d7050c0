#pragma once

#include "sessionsettings.h"
#include "sweeprunner.h"

#include <QMainWindow>

#include <functional>
#include <memory>

class LineChart;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableView;
class SweepController;
class SweepModel;

// Sizing sweep: the grid, warm-up, measured period and queue wait target; Start and Cancel;
// progress with the time left; the results as a table and as charts against worker count (one
// line per limit), with the knee marked and explained in a sentence. The sweep runs the load
// as the main window has it configured, in sessions of its own, off the GUI thread
// (SweepController). From the results: export JSON or CSV, open a point's run, compare
// points. Closing it during a sweep cancels the sweep and closes once the point in progress
// has drained. GUI thread only.
class SweepWindow : public QMainWindow {
    Q_OBJECT

public:
    // `currentSettings` gives the load as configured at the moment Start is pressed.
    explicit SweepWindow(std::function<poolscope::SessionSettings()> currentSettings, QWidget *parent = nullptr);
    ~SweepWindow() override;

    // Start with the inputs as they are; false (and the reason shown) for bad input.
    bool startSweep();
    void cancelSweep();
    bool isRunning() const;
    // Shows a sweep's result (a finished or cancelled one) as if it had just run here.
    void showResult(std::shared_ptr<const poolscope::SweepResult> result);
    std::shared_ptr<const poolscope::SweepResult> result() const { return m_result; }

    // For tests and scripted screenshots.
    QLineEdit *gridEdit() const { return m_grid; }
    void setTimes(double warmUpSeconds, double periodSeconds, double waitTargetMs);
    SweepModel *model() const { return m_model; }
    QString kneeText() const;
    QString progressText() const;
    QString errorText() const;
    std::vector<LineChart *> charts() const { return m_charts; }

signals:
    void sweepStarted(); // the main window stops its live load, so that the two do not share processors
    void sweepFinished();
    // The user asked to see runs side by side: their reports and labels.
    void compareRequested(const std::vector<std::pair<QString, poolscope::RunReport>> &runs);
    void openRunRequested(const QString &label, const poolscope::RunReport &report);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void onProgress(const poolscope::SweepProgress &progress);
    void onPointMeasured(const poolscope::SweepFigures &figures);
    void onFinished(std::shared_ptr<const poolscope::SweepResult> result);
    void refreshKneeAndCharts();
    void setRunning(bool running);
    void chooseExport(bool json);
    std::vector<std::size_t> selectedRows() const;
    std::pair<QString, poolscope::RunReport> pointRun(std::size_t row) const;

    std::function<poolscope::SessionSettings()> m_currentSettings;
    SweepController *m_controller;
    SweepModel *m_model;
    std::shared_ptr<const poolscope::SweepResult> m_result;
    poolscope::KneeRule m_rule; // of the sweep shown
    bool m_closeWhenFinished = false;

    QLineEdit *m_grid;
    QDoubleSpinBox *m_warmUp, *m_period, *m_target;
    QLabel *m_load, *m_progressLabel, *m_knee, *m_error;
    QProgressBar *m_progress;
    QPushButton *m_start, *m_cancel, *m_exportJson, *m_exportCsv, *m_openPoint, *m_comparePoints;
    QTableView *m_table;
    std::vector<LineChart *> m_charts;
};
