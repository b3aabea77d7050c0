#pragma once

#include "settingsstore.h"

#include <QMessageBox>
#include <QObject>
#include <QPointer>
#include <QProgressDialog>
#include <QSize>
#include <QString>

#include "jobtracker.h"

#include <functional>

class ChartsPanel;
class SessionController;
class QWidget;

// The File menu's exports of the live run: the snapshot (JSON), the time series (CSV), the
// metrics (OpenMetrics text, or the Prometheus text format that promtool checks) and the
// charts (PNG; PDF on an A4 or Letter landscape page, or a page of the picture's size).
//
// An export reads the run on the GUI thread (a copy of the counters, the ring and the
// exception rows: milliseconds, and the pool never waits for it), then formats and writes
// the file on a thread of its own, so the window keeps drawing and the workers keep working
// however big the file. A progress dialog appears when the write takes longer than half a
// second. Every file is written under a temporary name and renamed into place: a failed
// export leaves no half-written file, and an error dialog says what went wrong.
//
// Threading: GUI thread only; the write runs on its JobTracker. One export at a time; the
// destructor waits for a write in progress.
class ExportController : public QObject {
    Q_OBJECT

public:
    enum class Kind { Snapshot, TimeSeries, Metrics, PrometheusMetrics, ChartsPng, ChartsPdf };

    // Exports describe the controller's current run (its counters, history and exceptions).
    ExportController(SessionController *session, ChartsPanel *charts, QWidget *dialogParent);
    ~ExportController() override;

    // The File menu: a file dialog in the last folder used, the options of the kind (history
    // or image size), then exportTo().
    void chooseFileAndExport(Kind kind);

    // Starts an export to `path` without asking. False (and nothing written) when one is
    // still running. `whole`: the whole history rather than the charts' window; `chartSize`:
    // pixels for PNG and for a PDF page of the picture's size (an empty size means the saved
    // preference); `pdfPage`: the PDF's page.
    bool exportTo(Kind kind, const QString &path, bool wholeHistory = true, QSize chartSize = {},
                  PdfPage pdfPage = PdfPage::PictureSize);

    // The PDF page in points (1/72 in) for `page`; `picture` for PdfPage::PictureSize.
    static QSize pdfPagePoints(PdfPage page, QSize picture);

    bool isBusy() const noexcept { return m_busy; }
    QMessageBox *errorDialog() const { return m_errorDialog; }
    QProgressDialog *progressDialog() const { return m_progress; }

    static QString describe(Kind kind); // "snapshot (JSON)"

signals:
    void busyChanged(bool busy);
    void exported(const QString &path, qint64 bytes);
    void exportFailed(const QString &path, const QString &error);

private:
    using Write = std::function<bool(QString &error)>; // runs on the writer thread
    QString chartCaption() const;
    void startWrite(Kind kind, const QString &path, Write write);
    void finishWrite(Kind kind, const QString &path, bool ok, const QString &error);

    SessionController *m_session;
    ChartsPanel *m_charts;
    QWidget *m_dialogParent;
    bool m_busy = false;
    QPointer<QProgressDialog> m_progress;
    QPointer<QMessageBox> m_errorDialog;
    JobTracker m_jobs{this}; // last: destroyed (and waited for) first
};
