#include "sweepwindow.h"

#include "comparedruns.h"
#include "completionport.h"
#include "linechart.h"
#include "rundescription.h"
#include "sweepcontroller.h"
#include "sweepmodel.h"

#include <QCloseEvent>
#include <QCoreApplication>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <map>

using namespace poolscope;

namespace {

QDoubleSpinBox *spinBox(double low, double high, double value, int decimals, const QString &suffix)
{
    auto *box = new QDoubleSpinBox;
    box->setRange(low, high);
    box->setDecimals(decimals);
    box->setValue(value);
    box->setSuffix(suffix);
    box->setKeyboardTracking(false);
    return box;
}

QString durationText(std::chrono::nanoseconds d)
{
    const long long seconds = std::llround(std::chrono::duration<double>(d).count());
    return seconds >= 60 ? QStringLiteral("%1 min %2 s").arg(seconds / 60).arg(seconds % 60) : QStringLiteral("%1 s").arg(seconds);
}

} // namespace

SweepWindow::SweepWindow(std::function<SessionSettings()> currentSettings, QWidget *parent)
    : QMainWindow(parent, Qt::Window), m_currentSettings(std::move(currentSettings)), m_controller(new SweepController(this)),
      m_model(new SweepModel(this)), m_grid(new QLineEdit(QStringLiteral("workers=1..16,concurrency=0,2"))),
      m_warmUp(spinBox(0, 3600, 1, 1, tr(" s"))), m_period(spinBox(0.1, 3600, 3, 1, tr(" s"))),
      m_target(spinBox(0.001, 3.6e6, 10, 3, tr(" ms"))), m_load(new QLabel), m_progressLabel(new QLabel), m_knee(new QLabel),
      m_error(new QLabel), m_progress(new QProgressBar), m_start(new QPushButton(tr("&Start sweep"))),
      m_cancel(new QPushButton(tr("&Cancel"))), m_exportJson(new QPushButton(tr("Export &JSON…"))),
      m_exportCsv(new QPushButton(tr("Export C&SV…"))), m_openPoint(new QPushButton(tr("&Open point's run"))),
      m_comparePoints(new QPushButton(tr("Co&mpare points"))), m_table(new QTableView)
{
    setAttribute(Qt::WA_DeleteOnClose);
    setWindowTitle(tr("Sizing sweep — Poolscope"));
    m_rule.processors = CompletionPort::processorCount();

    m_grid->setToolTip(tr("workers=1..32,concurrency=0,2,4: A..B doubles from A up to B, A..B:S steps by S; "
                          "a limit of 0 means the number of processors"));
    m_target->setToolTip(tr("The knee is the smallest size within 5 % of the best completions/s whose queue wait p99 is at most this"));
    auto *inputs = new QHBoxLayout;
    auto *form = new QFormLayout;
    form->addRow(tr("&Grid:"), m_grid);
    auto *times = new QHBoxLayout;
    times->addWidget(new QLabel(tr("Warm-up")));
    times->addWidget(m_warmUp);
    times->addWidget(new QLabel(tr("then measure")));
    times->addWidget(m_period);
    times->addWidget(new QLabel(tr("per point · queue wait p99 target")));
    times->addWidget(m_target);
    times->addStretch(1);
    form->addRow(tr("Each point:"), times);
    inputs->addLayout(form, 1);
    auto *buttons = new QVBoxLayout;
    buttons->addWidget(m_start);
    buttons->addWidget(m_cancel);
    inputs->addLayout(buttons);

    m_load->setWordWrap(true);
    m_load->setStyleSheet(QStringLiteral("color: #555;"));
    m_progress->setTextVisible(true);
    m_knee->setWordWrap(true);
    m_knee->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_knee->setStyleSheet(QStringLiteral("QLabel { background: #fff1b8; border: 1px solid #e0c870; padding: 6px; }"));
    m_knee->hide();
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_error->hide();

    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->setAlternatingRowColors(true);
    auto *results = new QWidget;
    auto *resultsLayout = new QVBoxLayout(results);
    resultsLayout->setContentsMargins(0, 0, 0, 0);
    resultsLayout->addWidget(m_table, 1);
    auto *resultButtons = new QHBoxLayout;
    for (QPushButton *button : {m_openPoint, m_comparePoints, m_exportJson, m_exportCsv})
        resultButtons->addWidget(button);
    resultButtons->addStretch(1);
    resultsLayout->addLayout(resultButtons);

    const QString againstWorkers = tr("workers");
    m_charts = {new LineChart(tr("Completions/s"), againstWorkers, tr("units/s")),
                new LineChart(tr("Utilisation"), againstWorkers, tr("%")),
                new LineChart(tr("Queue wait p50"), againstWorkers, tr("ms")),
                new LineChart(tr("Queue wait p99"), againstWorkers, tr("ms")),
                new LineChart(tr("Service time p99"), againstWorkers, tr("ms"))};
    auto *chartGrid = new QWidget;
    auto *grid = new QGridLayout(chartGrid);
    grid->setContentsMargins(0, 0, 0, 0);
    for (std::size_t i = 0; i < m_charts.size(); ++i) {
        m_charts[i]->setLogX(true);
        m_charts[i]->setLogY(i > 1); // latency
        grid->addWidget(m_charts[i], int(i / 3), int(i % 3));
    }

    auto *split = new QSplitter(Qt::Horizontal);
    split->addWidget(results);
    split->addWidget(chartGrid);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setSizes({560, 840}); // the table's eight columns fit
    split->setChildrenCollapsible(false);

    auto *central = new QWidget;
    auto *layout = new QVBoxLayout(central);
    layout->addLayout(inputs);
    layout->addWidget(m_load);
    auto *progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress);
    progressRow->addWidget(m_progressLabel, 1);
    layout->addLayout(progressRow);
    layout->addWidget(m_error);
    layout->addWidget(m_knee);
    layout->addWidget(split, 1);
    setCentralWidget(central);

    connect(m_start, &QPushButton::clicked, this, &SweepWindow::startSweep);
    connect(m_grid, &QLineEdit::returnPressed, this, &SweepWindow::startSweep);
    connect(m_cancel, &QPushButton::clicked, this, &SweepWindow::cancelSweep);
    connect(m_exportJson, &QPushButton::clicked, this, [this] { chooseExport(true); });
    connect(m_exportCsv, &QPushButton::clicked, this, [this] { chooseExport(false); });
    connect(m_openPoint, &QPushButton::clicked, this, [this] {
        for (const std::size_t row : selectedRows()) {
            const auto [label, report] = pointRun(row);
            emit openRunRequested(label, report);
        }
    });
    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        if (m_result && std::size_t(index.row()) < m_result->points.size()) {
            const auto [label, report] = pointRun(std::size_t(index.row()));
            emit openRunRequested(label, report);
        }
    });
    connect(m_comparePoints, &QPushButton::clicked, this, [this] {
        std::vector<std::pair<QString, RunReport>> runs;
        for (const std::size_t row : selectedRows())
            runs.push_back(pointRun(row));
        if (runs.size() >= 2)
            emit compareRequested(runs);
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] { setRunning(isRunning()); });
    connect(m_controller, &SweepController::progressed, this, &SweepWindow::onProgress);
    connect(m_controller, &SweepController::pointMeasured, this, [this](const SweepFigures &f, std::size_t) { onPointMeasured(f); });
    connect(m_controller, &SweepController::finished, this, &SweepWindow::onFinished);
    connect(m_controller, &SweepController::failed, this, [this](const QString &error) {
        m_error->setText(tr("The sweep could not run: %1").arg(error));
        m_error->show();
        setRunning(false);
        if (m_closeWhenFinished)
            close();
    });
    connect(m_controller, &SweepController::exported, this, [this](const QString &path, const QString &error) {
        m_error->setText(error.isEmpty() ? QString() : tr("Export failed: %1").arg(error));
        m_error->setVisible(!error.isEmpty());
        if (error.isEmpty())
            m_progressLabel->setText(tr("Written to %1").arg(path));
    });

    const SessionSettings settings = m_currentSettings();
    m_load->setText(tr("Load, as configured in the main window when the sweep starts: %1. The live load is stopped "
                       "while the sweep runs, so that the two do not share the processors.")
                        .arg(describeLoad(settings.load)));
    m_progressLabel->setText(tr("Set the grid and the times, then Start."));
    setRunning(false);
    resize(1400, 860);
}

SweepWindow::~SweepWindow() = default;

void SweepWindow::setTimes(double warmUpSeconds, double periodSeconds, double waitTargetMs)
{
    m_warmUp->setValue(warmUpSeconds);
    m_period->setValue(periodSeconds);
    m_target->setValue(waitTargetMs);
}

bool SweepWindow::startSweep()
{
    if (isRunning())
        return false;
    SweepOptions options;
    options.settings = m_currentSettings();
    std::string gridError;
    if (!parseSweepGrid(m_grid->text().toStdString(), options.settings.workers, options.settings.concurrency, options.grid,
                        gridError)) {
        m_error->setText(QString::fromStdString(gridError));
        m_error->show();
        return false;
    }
    options.warmUp = std::chrono::milliseconds(std::llround(m_warmUp->value() * 1000));
    options.period = std::chrono::milliseconds(std::llround(m_period->value() * 1000));
    options.waitTarget = std::chrono::nanoseconds(std::llround(m_target->value() * 1e6));
    options.poolscopeVersion = QCoreApplication::applicationVersion().toStdString();
    QString error;
    if (!m_controller->start(options, error)) {
        m_error->setText(error);
        m_error->show();
        return false;
    }
    m_error->hide();
    m_result.reset();
    m_rule.waitTarget = options.waitTarget;
    m_model->setPoints({}, std::nullopt);
    m_load->setText(tr("Load: %1.").arg(describeLoad(options.settings.load)));
    m_progress->setRange(0, int(options.grid.pointCount()));
    m_progress->setValue(0);
    m_progressLabel->setText(tr("Starting %1 points…").arg(options.grid.pointCount()));
    refreshKneeAndCharts();
    setRunning(true);
    emit sweepStarted();
    return true;
}

void SweepWindow::cancelSweep()
{
    if (!isRunning())
        return;
    m_controller->cancel();
    m_progressLabel->setText(tr("Cancelling: the point in progress drains, the points measured stay…"));
    m_cancel->setEnabled(false);
}

bool SweepWindow::isRunning() const { return m_controller->isRunning(); }

void SweepWindow::onProgress(const SweepProgress &p)
{
    if (m_controller->isRunning() && !m_cancel->isEnabled())
        return; // cancelling: keep saying so
    m_progress->setValue(int(p.pointIndex));
    m_progressLabel->setText(tr("Point %1 of %2: %3, %4 · %5 elapsed, about %6 left")
                                 .arg(p.pointIndex + 1)
                                 .arg(p.pointCount)
                                 .arg(QString::fromStdString(describeSize(p.workers, p.concurrency, m_rule.processors)),
                                      QString::fromLatin1(nameOf(p.phase).data()), durationText(p.elapsed),
                                      durationText(p.estimatedRemaining)));
}

void SweepWindow::onPointMeasured(const SweepFigures &figures)
{
    m_model->appendPoint(figures);
    m_progress->setValue(m_model->rowCount());
    refreshKneeAndCharts();
}

void SweepWindow::onFinished(std::shared_ptr<const SweepResult> result)
{
    showResult(std::move(result));
    emit sweepFinished();
    if (m_closeWhenFinished)
        close();
}

void SweepWindow::showResult(std::shared_ptr<const SweepResult> result)
{
    m_result = std::move(result);
    m_rule.waitTarget = m_result->options.waitTarget;
    m_rule.processors = m_result->processors;
    m_model->setPoints(m_result->figures(), std::nullopt);
    m_progress->setRange(0, int(m_result->options.grid.pointCount()));
    m_progress->setValue(int(m_result->points.size()));
    m_progressLabel->setText(m_result->cancelled
                                 ? tr("Cancelled: %1 of %2 points measured").arg(m_result->points.size()).arg(m_result->options.grid.pointCount())
                                 : tr("Done: %1 points measured").arg(m_result->points.size()));
    m_grid->setText(QString::fromStdString(m_result->options.grid.text()));
    refreshKneeAndCharts();
    setRunning(false);
}

void SweepWindow::refreshKneeAndCharts()
{
    const std::vector<SweepFigures> &points = m_model->points();
    const Knee knee = findKnee(points, m_rule);
    m_model->setKnee(knee.index);
    m_knee->setText(QString::fromStdString(knee.explanation));
    m_knee->setVisible(!points.empty());

    std::map<unsigned, std::vector<const SweepFigures *>> byLimit; // ordered: lines in limit order
    for (const SweepFigures &p : points)
        byLimit[p.concurrency].push_back(&p);
    const auto value = [](std::size_t chart, const SweepFigures &p) {
        switch (chart) {
        case 0: return p.completionsPerSecond;
        case 1: return p.utilisationPercent;
        case 2: return double(p.queueWait.p50) / 1e6;
        case 3: return double(p.queueWait.p99) / 1e6;
        default: return double(p.serviceTime.p99) / 1e6;
        }
    };
    for (std::size_t c = 0; c < m_charts.size(); ++c) {
        LineChart *chart = m_charts[c];
        chart->clear();
        int n = 0;
        for (auto &[limit, line] : byLimit) {
            std::sort(line.begin(), line.end(), [](auto *a, auto *b) { return a->workers < b->workers; });
            QVector<double> xs, ys;
            for (const SweepFigures *p : line) {
                xs.append(p->workers);
                ys.append(value(c, *p));
            }
            chart->addLine(limit == 0 ? tr("limit 0 (= %1 processors)").arg(m_rule.processors) : tr("limit %1").arg(limit),
                           seriesColor(n++), xs, ys);
        }
        if (knee.index)
            chart->addMarker(points[*knee.index].workers, value(c, points[*knee.index]), tr("knee"));
        chart->refit();
    }
}

void SweepWindow::setRunning(bool running)
{
    m_start->setEnabled(!running);
    m_cancel->setEnabled(running);
    for (QWidget *input : std::initializer_list<QWidget *>{m_grid, m_warmUp, m_period, m_target})
        input->setEnabled(!running);
    const bool haveRuns = !running && m_result && !m_result->points.empty();
    m_exportJson->setEnabled(haveRuns);
    m_exportCsv->setEnabled(haveRuns);
    const std::size_t selected = haveRuns ? selectedRows().size() : 0;
    m_openPoint->setEnabled(selected >= 1);
    m_comparePoints->setEnabled(selected >= 2);
    m_comparePoints->setToolTip(tr("Select two or more rows to see their runs side by side"));
}

std::vector<std::size_t> SweepWindow::selectedRows() const
{
    std::vector<std::size_t> rows;
    if (!m_result)
        return rows;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows())
        if (std::size_t(index.row()) < m_result->points.size())
            rows.push_back(std::size_t(index.row()));
    std::sort(rows.begin(), rows.end());
    return rows;
}

std::pair<QString, RunReport> SweepWindow::pointRun(std::size_t row) const
{
    const SweepPoint &point = m_result->points[row];
    return {sizeLabel(point.figures.workers, point.figures.concurrency), point.report};
}

void SweepWindow::chooseExport(bool json)
{
    if (!m_result)
        return;
    const QString path = QFileDialog::getSaveFileName(this, json ? tr("Export the sweep as JSON") : tr("Export the sweep as CSV"),
                                                      json ? QStringLiteral("sweep.json") : QStringLiteral("sweep.csv"),
                                                      json ? tr("JSON (*.json)") : tr("CSV (*.csv)"));
    if (!path.isEmpty())
        m_controller->exportSweep(m_result, json ? SweepController::ExportKind::Json : SweepController::ExportKind::Csv, path);
}

QString SweepWindow::kneeText() const { return m_knee->text(); }
QString SweepWindow::progressText() const { return m_progressLabel->text(); }
QString SweepWindow::errorText() const { return m_error->isVisibleTo(this) ? m_error->text() : QString(); }

void SweepWindow::closeEvent(QCloseEvent *event)
{
    if (!isRunning()) {
        event->accept();
        return;
    }
    // Never wait on the GUI thread: cancel, and close when the point in progress has drained.
    m_closeWhenFinished = true;
    cancelSweep();
    event->ignore();
}
