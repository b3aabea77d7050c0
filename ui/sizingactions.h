#pragma once

#include <vector>

class CompareWindow;
class QMenu;
class QWidget;
class SessionController;
class SweepWindow;
struct ComparedRun;

// The sizing-advice entries of the main window's menus, kept out of MainWindow (which only
// assembles): Pool -> Sizing sweep… (a SweepWindow over the load as configured; starting a
// sweep stops the live load; its points open as saved runs or side by side) and
// File -> Compare runs… (two or more snapshots or sweeps in a CompareWindow). GUI thread only.
void addSizingActions(QWidget *window, QMenu *fileMenu, QMenu *poolMenu, SessionController *controller);

// What the entries open, for tests and scripted screenshots.
SweepWindow *openSweepWindow(QWidget *parent, SessionController *controller);
// Asks for files; null when the user cancels or a file cannot be read (a dialog says why).
CompareWindow *chooseRunsToCompare(QWidget *parent);
CompareWindow *openComparison(QWidget *parent, const std::vector<ComparedRun> &runs);
