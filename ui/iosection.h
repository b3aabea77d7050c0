#pragma once

#include "ioloadsettings.h"

#include <QObject>

class IoChart;
class IoLoadPanel;
class IoTiles;
class QTabWidget;
class QWidget;
class SessionController;

// The I/O side of the window, assembled in one place so that MainWindow only places it: the
// I/O load's controls (for the controls column), and a page with the I/O tiles over the I/O
// chart (for the charts' tabs). The page's tab shows only while an I/O load is set (echo or
// file reads): without one the window looks as it did, and turning one on brings the page
// to the front once. The tiles and the chart are fed by the controller's samples and start
// again with each run. GUI thread only.
class IoSection : public QObject {
    Q_OBJECT

public:
    IoSection(SessionController *controller, QObject *parent = nullptr);

    IoLoadPanel *controls() const { return m_controls; }
    QWidget *page() const { return m_page; }
    IoTiles *tiles() const { return m_tiles; }
    IoChart *chart() const { return m_chart; }

    // The tabs that hold the pool's charts and, as its tab `index`, this page. Call once.
    void placeIn(QTabWidget *tabs, int index);
    // Shows the controls as `io` and the page's tab when an I/O load is set.
    void showSettings(const poolscope::IoLoadSettings &io);

private:
    IoLoadPanel *m_controls;
    QWidget *m_page;
    IoTiles *m_tiles;
    IoChart *m_chart;
    QTabWidget *m_tabs = nullptr;
    int m_index = -1;
    bool m_shown = false;
};
