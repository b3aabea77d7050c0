#pragma once

#include "controlstate.h"
#include "loadgenerator.h"

#include <QWidget>

class AutoSizeControl;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;
class WorkerSlider;

// The sliders, spin boxes and pickers that steer the pool and the load. It only emits what
// the user asked for; MainWindow applies it. The wheel changes a value only once its widget
// has focus (WheelGuard): scrolling the panel never moves a slider. GUI thread only.
class ControlPanel : public QWidget {
    Q_OBJECT

public:
    explicit ControlPanel(QWidget *parent = nullptr);

    ControlState state() const;
    void setState(const ControlState &state); // updates the widgets without emitting
    void setLoadState(poolscope::LoadState state);
    void setPoolStopped(bool stopped);        // while stopped only Restart is offered
    // As if the user had typed `count` into the worker box (emits workerCountChanged).
    void chooseWorkerCount(int count);

    WorkerSlider *workerSlider() const { return m_workerSlider; }
    QSpinBox *workerSpin() const { return m_workerSpin; }
    QPushButton *startButton() const { return m_start; }
    QPushButton *stopButton() const { return m_stop; }
    AutoSizeControl *autoSizeControl() const { return m_autoSize; } // its own signals; the window connects them

signals:
    void workerCountChanged(int count);
    void concurrencyChanged(int concurrency);
    void policyChanged(poolscope::ExceptionPolicy policy);
    void loadSettingsChanged(const poolscope::LoadSettings &settings);
    void startPauseRequested();
    void stopRequested();
    void shutdownRequested(bool graceful);
    void restartRequested();

private:
    void emitLoadSettings();
    void updateEnabledFields();

    bool m_updating = false;
    WorkerSlider *m_workerSlider; // 1..256, logarithmic; the spin box takes 0 and up to its maximum
    QSpinBox *m_workerSpin;
    QSlider *m_concurrencySlider;
    QSpinBox *m_concurrencySpin;
    QComboBox *m_policy;
    QPushButton *m_graceful;
    QPushButton *m_fast;
    QPushButton *m_restart;
    AutoSizeControl *m_autoSize;

    QPushButton *m_start;
    QPushButton *m_stop;
    QComboBox *m_pattern;
    QSlider *m_rateSlider; // logarithmic: 0..1000 -> 1..10^7
    QSpinBox *m_rateSpin;
    QSpinBox *m_producers;
    QSpinBox *m_burstSize;
    QSpinBox *m_burstInterval;
    QSpinBox *m_period;

    QSlider *m_costSlider; // logarithmic: 0..1000 -> 0..100,000 us
    QSpinBox *m_costSpin;
    QComboBox *m_distribution;
    QSlider *m_blockingSlider; // percent
    QSpinBox *m_blockingSpin;
    QSpinBox *m_blockingTime;
    QSlider *m_exceptionSlider; // per mille
    QDoubleSpinBox *m_exceptionSpin;
    QComboBox *m_exceptionType;
    QSpinBox *m_queueCap;
};
