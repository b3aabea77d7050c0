#pragma once

#include <QWidget>

class ExceptionLogModel;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;

// The exception log as the user sees it: a filter box, the coalesced table (sortable), the
// details of the selected row, Copy and Clear. GUI thread only.
class ExceptionLogView : public QWidget {
    Q_OBJECT

public:
    explicit ExceptionLogView(ExceptionLogModel *model, QWidget *parent = nullptr);

    QTableView *table() const { return m_table; }
    QPlainTextEdit *details() const { return m_details; }
    QSplitter *splitter() const { return m_splitter; } // table | details, saved with the window's layout
    void setDroppedCount(quint64 dropped);
    void setReadOnly(); // a saved run's log: nothing to clear

public slots:
    void copySelection();

private:
    void showDetails();
    void setDetailsText(const QString &text);

    ExceptionLogModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QLineEdit *m_filter;
    QTableView *m_table;
    QPlainTextEdit *m_details;
    QSplitter *m_splitter;
    QLabel *m_dropped;
    QPushButton *m_clearButton;
};
