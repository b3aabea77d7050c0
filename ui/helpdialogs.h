#pragma once

#include <QString>

class QDialog;
class QMenuBar;
class QWidget;

// The Help menu's pages. GUI thread only.

// Every shortcut of the window's menus, as an HTML table (menu, command, keys), read from the
// actions themselves so that the list cannot drift from what the keys do; plus the keys that
// belong to widgets rather than menus.
QString shortcutListHtml(const QMenuBar *menus);

// What to do first, in five steps, as HTML.
QString quickStartHtml();

// A non-modal, resizable page of `html` (deleted on close).
QDialog *openHelpPage(QWidget *parent, const QString &objectName, const QString &title, const QString &html);
