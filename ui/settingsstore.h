#pragma once

#include "controlstate.h"

#include <QByteArray>
#include <QSettings>

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

    double loadChartWindow() const; // seconds; 30 when unset or invalid
    void saveChartWindow(double seconds);

    void clear(); // --reset-settings

private:
    QSettings &m_settings;
};
