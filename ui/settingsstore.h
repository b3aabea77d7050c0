#pragma once

#include "controlstate.h"

#include <QByteArray>
#include <QSettings>
#include <QSize>
#include <QString>

// How the last export was made, offered again for the next one.
// The page of a PDF export: a paper size in landscape, or the picture size (1 px = 1 pt).
enum class PdfPage { A4Landscape, LetterLandscape, PictureSize };

struct ExportPreferences {
    static constexpr QSize DefaultChartSize{1600, 1000};
    static constexpr int MinChartSide = 200, MaxChartSide = 10'000; // pixels (points for PDF)
    QString folder;                 // empty: the user's documents folder
    QSize chartSize = DefaultChartSize;
    bool wholeHistory = true;       // false: only what the charts' window shows
    PdfPage pdfPage = PdfPage::A4Landscape;
};

// Reads and writes what persists between runs: every control, the window geometry and the
// chart window. Values out of range in the file (edited by hand, or from another version)
// are replaced by defaults, one by one. GUI thread only.
class SettingsStore {
public:
    explicit SettingsStore(QSettings &settings) : m_settings(settings) {}

    ControlState loadControls() const;
    void saveControls(const ControlState &state);

    QByteArray loadGeometry() const;
    void saveGeometry(const QByteArray &geometry);
    // The window's splitter positions and shown columns (MainWindow::saveLayout()'s bytes).
    QByteArray loadWindowLayout() const;
    void saveWindowLayout(const QByteArray &layout);

    double loadChartWindow() const; // seconds; 30 when unset or invalid
    void saveChartWindow(double seconds);

    ExportPreferences loadExportPreferences() const;
    void saveExportPreferences(const ExportPreferences &preferences);

    void clear(); // --reset-settings

    // Writes what was saved to the file now; false with a one-line error naming the file when
    // it cannot be written (a read-only folder, a folder in its place).
    bool flush(QString &error);

private:
    QSettings &m_settings;
};
