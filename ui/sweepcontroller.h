#pragma once

#include "jobtracker.h"
#include "sweeprunner.h"

#include <QObject>
#include <QString>

#include <memory>

Q_DECLARE_METATYPE(poolscope::SweepProgress)

// Runs a sweep off the GUI thread (its own sessions, on a JobTracker helper) and reports back
// with queued calls: progress, each point as it is measured, the result; writes its exports
// off the GUI thread too. cancel() never waits: the sweep stops after the point in progress
// drains, and finished() still comes, with the points measured.
//
// Threading: a QObject of the GUI thread; every method is for that thread. Destruction
// cancels a sweep still running and waits for its drain (the JobTracker joins its helper).
class SweepController : public QObject {
    Q_OBJECT

public:
    explicit SweepController(QObject *parent = nullptr);
    ~SweepController() override;

    // Starts a sweep unless one runs; false with a one-sentence `error` for bad options.
    bool start(const poolscope::SweepOptions &options, QString &error);
    void cancel();
    bool isRunning() const noexcept { return m_runner != nullptr; }

    enum class ExportKind { Json, Csv };
    // Writes `sweep` to `path` safely on a helper; exported() says how it went.
    void exportSweep(std::shared_ptr<const poolscope::SweepResult> sweep, ExportKind kind, const QString &path);

signals:
    void progressed(const poolscope::SweepProgress &progress);
    void pointMeasured(const poolscope::SweepFigures &figures, std::size_t index);
    void finished(std::shared_ptr<const poolscope::SweepResult> result);
    void failed(const QString &error); // no pool could be started
    void exported(const QString &path, const QString &error); // error empty: written

private:
    JobTracker m_jobs{this};
    std::shared_ptr<poolscope::SweepRunner> m_runner; // set while a sweep runs
};
