#include "exportcontroller.h"

#include "chartspanel.h"
#include "metricsexport.h"
#include "rundescription.h"
#include "sessioncontroller.h"
#include "runreport.h"
#include "safefilewriter.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QImage>
#include <QLabel>
#include <QLocale>
#include <QPageSize>
#include <QMessageBox>
#include <QProgressDialog>
#include <QRadioButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>
#include <vector>

using namespace poolscope;

namespace {

struct KindFacts {
    const char *description; // for titles and messages
    const char *suffix;
    const char *filter;
};

KindFacts factsOf(ExportController::Kind kind)
{
    switch (kind) {
    case ExportController::Kind::Snapshot:
        return {QT_TRANSLATE_NOOP("ExportController", "snapshot (JSON)"), "json", "JSON snapshot (*.json)"};
    case ExportController::Kind::TimeSeries:
        return {QT_TRANSLATE_NOOP("ExportController", "time series (CSV)"), "csv", "CSV (*.csv)"};
    case ExportController::Kind::Metrics:
        return {QT_TRANSLATE_NOOP("ExportController", "metrics (OpenMetrics text)"), "txt",
                "OpenMetrics text (*.txt *.prom)"};
    case ExportController::Kind::PrometheusMetrics:
        return {QT_TRANSLATE_NOOP("ExportController", "metrics (Prometheus text 0.0.4)"), "prom",
                "Prometheus text (*.prom *.txt)"};
    case ExportController::Kind::ChartsPng:
        return {QT_TRANSLATE_NOOP("ExportController", "charts (PNG)"), "png", "PNG image (*.png)"};
    case ExportController::Kind::ChartsPdf:
        return {QT_TRANSLATE_NOOP("ExportController", "charts (PDF)"), "pdf", "PDF document (*.pdf)"};
    }
    return {"", "", ""};
}

bool hasHistoryChoice(ExportController::Kind kind)
{
    return kind == ExportController::Kind::Snapshot || kind == ExportController::Kind::TimeSeries;
}


QString describePage(PdfPage page, QSize picture)
{
    const QSize points = ExportController::pdfPagePoints(page, picture);
    switch (page) {
    case PdfPage::A4Landscape:
        return QCoreApplication::translate("ExportController", "A4, landscape (297 × 210 mm)");
    case PdfPage::LetterLandscape:
        return QCoreApplication::translate("ExportController", "Letter, landscape (11 × 8.5 in)");
    case PdfPage::PictureSize:
        return QCoreApplication::translate("ExportController", "The picture size: %1 × %2 pt (1 px = 1 pt, %3 × %4 in)")
            .arg(points.width())
            .arg(points.height())
            .arg(QLocale().toString(points.width() / 72.0, 'f', 1), QLocale().toString(points.height() / 72.0, 'f', 1));
    }
    return {};
}

// The one question an export kind has beyond the file: how much history, or what size (and,
// for a PDF, which page).
bool askOptions(ExportController::Kind kind, ExportPreferences &preferences, double chartWindowSeconds, QWidget *parent)
{
    if (kind == ExportController::Kind::Metrics || kind == ExportController::Kind::PrometheusMetrics)
        return true;
    QDialog dialog(parent);
    dialog.setObjectName(QStringLiteral("exportOptionsDialog"));
    const QString title = QCoreApplication::translate("ExportController", "Export %1")
                              .arg(QCoreApplication::translate("ExportController", factsOf(kind).description));
    dialog.setWindowTitle(title);
    auto *layout = new QVBoxLayout(&dialog);
    QRadioButton *whole = nullptr;
    QSpinBox *width = nullptr, *height = nullptr;
    std::vector<std::pair<QRadioButton *, PdfPage>> pages;
    if (hasHistoryChoice(kind)) {
        whole = new QRadioButton(QCoreApplication::translate("ExportController", "The whole history the app keeps (up to 1 h)"));
        auto *window = new QRadioButton(QCoreApplication::translate("ExportController", "What the charts' window shows (last %1 s)")
                                            .arg(QLocale().toString(chartWindowSeconds)));
        (preferences.wholeHistory ? whole : window)->setChecked(true);
        layout->addWidget(new QLabel(QCoreApplication::translate("ExportController", "Samples to include:")));
        layout->addWidget(whole);
        layout->addWidget(window);
    } else {
        auto *form = new QFormLayout;
        for (QSpinBox **box : {&width, &height}) {
            *box = new QSpinBox;
            (*box)->setRange(ExportPreferences::MinChartSide, ExportPreferences::MaxChartSide);
            (*box)->setSuffix(QStringLiteral(" px"));
            (*box)->setSingleStep(100);
        }
        width->setValue(preferences.chartSize.width());
        height->setValue(preferences.chartSize.height());
        form->addRow(QCoreApplication::translate("ExportController", "Width:"), width);
        form->addRow(QCoreApplication::translate("ExportController", "Height:"), height);
        layout->addWidget(new QLabel(QCoreApplication::translate("ExportController", "Picture size of the four charts:")));
        layout->addLayout(form);
        if (kind == ExportController::Kind::ChartsPdf) {
            layout->addWidget(new QLabel(QCoreApplication::translate("ExportController", "Page:")));
            for (PdfPage page : {PdfPage::A4Landscape, PdfPage::LetterLandscape, PdfPage::PictureSize}) {
                auto *choice = new QRadioButton(describePage(page, preferences.chartSize));
                choice->setChecked(page == preferences.pdfPage);
                layout->addWidget(choice);
                pages.emplace_back(choice, page);
            }
            // The size only decides the page when the page is the picture's: say so as it changes.
            const auto update = [&pages, width, height] {
                for (const auto &[choice, page] : pages)
                    choice->setText(describePage(page, QSize(width->value(), height->value())));
                const bool pictureSize = pages.back().first->isChecked();
                width->setEnabled(pictureSize);
                height->setEnabled(pictureSize);
            };
            for (QSpinBox *box : {width, height})
                QObject::connect(box, &QSpinBox::valueChanged, &dialog, update);
            for (const auto &entry : pages)
                QObject::connect(entry.first, &QRadioButton::toggled, &dialog, update);
            update();
        }
    }
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    layout->addWidget(buttons);
    // Wide enough for its whole title (window managers cut a title to the window's width).
    dialog.setMinimumWidth(dialog.fontMetrics().horizontalAdvance(title) + 160);
    if (dialog.exec() != QDialog::Accepted)
        return false;
    if (whole)
        preferences.wholeHistory = whole->isChecked();
    if (width)
        preferences.chartSize = QSize(width->value(), height->value());
    for (const auto &[choice, page] : pages)
        if (choice->isChecked())
            preferences.pdfPage = page;
    return true;
}

// A write of one of the pool's data formats, through the one safe writer of every export.
std::function<bool(QString &)> safeWrite(const QString &path, std::function<void(std::ostream &)> format)
{
    return [path, format = std::move(format)](QString &error) {
        std::string message;
        const bool ok = writeFileSafely(path.toStdString(), format, message);
        error = QString::fromStdString(message);
        return ok;
    };
}

// Encodes with `encode` (a picture, small) into memory, then writes it like every export.
bool saveEncoded(const QString &path, const std::function<bool(QIODevice &)> &encode, QString &error)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (!encode(buffer)) {
        error = QStringLiteral("%1: the picture could not be encoded").arg(path);
        return false;
    }
    return safeWrite(path, [&bytes](std::ostream &out) { out.write(bytes.constData(), bytes.size()); })(error);
}

} // namespace

ExportController::ExportController(SessionController *session, ChartsPanel *charts, QWidget *dialogParent)
    : QObject(dialogParent), m_session(session), m_charts(charts), m_dialogParent(dialogParent)
{
}

ExportController::~ExportController() = default;

QString ExportController::describe(Kind kind) { return tr(factsOf(kind).description); }

QSize ExportController::pdfPagePoints(PdfPage page, QSize picture)
{
    switch (page) {
    case PdfPage::A4Landscape:
        return QPageSize(QPageSize::A4).sizePoints().transposed();
    case PdfPage::LetterLandscape:
        return QPageSize(QPageSize::Letter).sizePoints().transposed();
    case PdfPage::PictureSize:
        break;
    }
    return picture;
}

void ExportController::chooseFileAndExport(Kind kind)
{
    if (m_busy)
        return;
    QSettings settings;
    SettingsStore store(settings);
    ExportPreferences preferences = store.loadExportPreferences();
    QString folder = preferences.folder;
    if (folder.isEmpty() || !QFileInfo(folder).isDir())
        folder = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const KindFacts facts = factsOf(kind);
    const QString suggested = QDir(folder).filePath(
        QStringLiteral("poolscope-%1.%2")
            .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")), QLatin1String(facts.suffix)));
    QString path = QFileDialog::getSaveFileName(m_dialogParent, tr("Export %1").arg(describe(kind)), suggested,
                                                tr(facts.filter));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QLatin1Char('.') + QLatin1String(facts.suffix);
    if (!askOptions(kind, preferences, m_charts->windowSeconds(), m_dialogParent))
        return;
    preferences.folder = QFileInfo(path).absolutePath();
    store.saveExportPreferences(preferences);
    exportTo(kind, path, preferences.wholeHistory, preferences.chartSize, preferences.pdfPage);
}

bool ExportController::exportTo(Kind kind, const QString &path, bool wholeHistory, QSize chartSize, PdfPage pdfPage)
{
    if (m_busy)
        return false;
    if (chartSize.isEmpty()) {
        QSettings settings;
        chartSize = SettingsStore(settings).loadExportPreferences().chartSize;
    }

    // Read the run here, on the GUI thread (the session's owner); format and write elsewhere.
    switch (kind) {
    case Kind::Snapshot:
    case Kind::TimeSeries: {
        auto report = std::make_shared<RunReport>(m_session->captureReport());
        if (!wholeHistory && !report->history.empty()) {
            const auto newest = report->history.back().pool.timestampNs;
            const auto window = static_cast<std::uint64_t>(m_charts->windowSeconds() * 1e9);
            const auto first = std::find_if(report->history.begin(), report->history.end(), [&](const Sample &sample) {
                return sample.pool.timestampNs + window >= newest;
            });
            report->history.erase(report->history.begin(), first);
        }
        startWrite(kind, path, safeWrite(path, [kind, report](std::ostream &out) {
            if (kind == Kind::Snapshot)
                writeJson(out, *report);
            else
                writeCsv(out, report->history);
        }));
        return true;
    }
    case Kind::Metrics:
    case Kind::PrometheusMetrics: {
        auto view = std::make_shared<MetricsView>(m_session->metrics());
        const MetricsFormat format = kind == Kind::Metrics ? MetricsFormat::OpenMetrics : MetricsFormat::PrometheusText;
        startWrite(kind, path, safeWrite(path, [view, format](std::ostream &out) { writeMetrics(out, *view, format); }));
        return true;
    }
    case Kind::ChartsPng: {
        const QImage image = m_charts->renderImage(chartSize, chartCaption()); // widgets paint on the GUI thread only
        startWrite(kind, path, [path, image](QString &error) {
            return saveEncoded(path, [&](QIODevice &file) { return image.save(&file, "PNG"); }, error);
        });
        return true;
    }
    case Kind::ChartsPdf: {
        QByteArray pdf;
        QBuffer buffer(&pdf);
        buffer.open(QIODevice::WriteOnly);
        QString renderError;
        if (!m_charts->writePdf(&buffer, pdfPagePoints(pdfPage, chartSize), chartCaption(), renderError)) {
            finishWrite(kind, path, false, renderError); // nothing to write: fail as a write would
            return true;
        }
        startWrite(kind, path, [path, pdf](QString &error) {
            return saveEncoded(path, [&](QIODevice &file) { return file.write(pdf) == pdf.size(); }, error);
        });
        return true;
    }
    }
    return false;
}

QString ExportController::chartCaption() const
{
    // What a picture shared on its own needs to be read: when, the pool, the load.
    const QString version = QCoreApplication::applicationVersion();
    return tr("Poolscope%1 · %2 · %3 · load %4")
        .arg(version.isEmpty() ? QString() : QLatin1Char(' ') + version,
             QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")),
             describePool(unsigned(m_session->settings().workers), unsigned(m_session->settings().concurrency)),
             describeLoad(m_session->settings().load));
}

void ExportController::startWrite(Kind kind, const QString &path, Write write)
{
    m_busy = true;
    emit busyChanged(true);
    m_progress = new QProgressDialog(tr("Writing the %1 to %2…").arg(describe(kind), QDir::toNativeSeparators(path)),
                                     QString(), 0, 0, m_dialogParent);
    m_progress->setWindowTitle(tr("Exporting"));
    m_progress->setAttribute(Qt::WA_DeleteOnClose);
    // Only a slow write shows it. QProgressDialog's own minimumDuration does not apply to a
    // busy indicator whose value is never set (it waits its default 4 s), so time it here.
    QTimer::singleShot(500, m_progress, [this] {
        if (m_busy && m_progress)
            m_progress->show();
    });
    m_jobs.startJob(
        [write = std::move(write)] {
            std::pair<bool, QString> outcome{false, QString()};
            try {
                outcome.first = write(outcome.second);
            } catch (const std::exception &exception) {
                outcome.second = QString::fromUtf8(exception.what()); // e.g. out of memory while formatting
            }
            return outcome;
        },
        [this, kind, path](const std::pair<bool, QString> &outcome) { finishWrite(kind, path, outcome.first, outcome.second); });
}

void ExportController::finishWrite(Kind kind, const QString &path, bool ok, const QString &error)
{
    if (m_progress)
        m_progress->close();
    m_busy = false;
    emit busyChanged(false);
    if (ok) {
        emit exported(path, QFileInfo(path).size());
        return;
    }
    if (m_errorDialog)
        m_errorDialog->close();
    m_errorDialog = new QMessageBox(QMessageBox::Critical, tr("Export failed"),
                                    tr("The %1 could not be written.").arg(describe(kind)), QMessageBox::Ok, m_dialogParent);
    m_errorDialog->setInformativeText(error + tr("\n\nNothing was written; the pool was not disturbed."));
    m_errorDialog->setAttribute(Qt::WA_DeleteOnClose);
    m_errorDialog->open();
    emit exportFailed(path, error);
}
