#include "sweepcontroller.h"

#include "safefilewriter.h"
#include "sweepexport.h"

#include <QMetaObject>

#include <variant>

using namespace poolscope;

SweepController::SweepController(QObject *parent) : QObject(parent) {}

SweepController::~SweepController()
{
    if (m_runner)
        m_runner->cancel(); // the JobTracker then waits for the point in progress to drain
}

bool SweepController::start(const SweepOptions &options, QString &error)
{
    if (m_runner) {
        error = tr("A sweep is running already.");
        return false;
    }
    if (const std::string invalid = options.validate(); !invalid.empty()) {
        error = QString::fromStdString(invalid);
        return false;
    }
    auto runner = std::make_shared<SweepRunner>(options);
    m_runner = runner;
    using Outcome = std::variant<std::shared_ptr<const SweepResult>, QString>;
    m_jobs.startJob(
        [this, runner]() -> Outcome {
            // On the helper: queued calls bring the news to the GUI thread, which never waits here.
            try {
                return std::make_shared<const SweepResult>(runner->run(
                    [this](const SweepProgress &progress) {
                        QMetaObject::invokeMethod(this, [this, progress] { emit progressed(progress); }, Qt::QueuedConnection);
                    },
                    [this](const SweepPoint &point, std::size_t index) {
                        QMetaObject::invokeMethod(
                            this, [this, figures = point.figures, index] { emit pointMeasured(figures, index); }, Qt::QueuedConnection);
                    }));
            } catch (const std::exception &failure) {
                return QString::fromStdString(failure.what());
            }
        },
        [this](Outcome outcome) {
            m_runner.reset();
            if (const auto *result = std::get_if<std::shared_ptr<const SweepResult>>(&outcome))
                emit finished(*result);
            else
                emit failed(std::get<QString>(outcome));
        });
    return true;
}

void SweepController::cancel()
{
    if (m_runner)
        m_runner->cancel();
}

void SweepController::exportSweep(std::shared_ptr<const SweepResult> sweep, ExportKind kind, const QString &path)
{
    m_jobs.startJob(
        [sweep = std::move(sweep), kind, target = path.toStdString()] {
            std::string error;
            writeFileSafely(
                target,
                [&](std::ostream &out) {
                    if (kind == ExportKind::Json)
                        writeSweepJson(out, *sweep);
                    else
                        writeSweepCsv(out, *sweep);
                },
                error);
            return QString::fromStdString(error);
        },
        [this, path](const QString &error) { emit exported(path, error); });
}
