#pragma once

#include "runreport.h"

#include <QMainWindow>
#include <QPointer>

class ChartsPanel;
class CountersPanel;
class ExceptionLogModel;
class QLabel;
class QMessageBox;

// A saved run, opened with File -> Open: its charts over the whole history, its final
// counters and latency, its exception log and what it was run with, read-only, in a window
// beside the live one. Esc and Ctrl+W close it; Ctrl+Q there asks before it quits the app
// (and with it the live run). GUI thread only.
class SnapshotWindow : public QMainWindow {
    Q_OBJECT

public:
    SnapshotWindow(const QString &path, const poolscope::RunReport &report, QWidget *parent = nullptr);

    ChartsPanel *charts() const { return m_charts; }
    CountersPanel *counters() const { return m_counters; }
    ExceptionLogModel *exceptionLog() const { return m_exceptions; }
    QString summaryText() const; // the header, as plain text (for tests)

public slots:
    void askToQuit(); // Ctrl+Q: "Quit Poolscope? The live run stops." first

private:
    ChartsPanel *m_charts;
    CountersPanel *m_counters;
    ExceptionLogModel *m_exceptions;
    QLabel *m_summary;
    QPointer<QMessageBox> m_quitQuestion;
};
