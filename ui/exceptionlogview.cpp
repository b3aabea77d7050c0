#include "exceptionlogview.h"

#include "exceptionlogmodel.h"

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTextCursor>
#include <QVBoxLayout>

#include <algorithm>
#include <vector>

ExceptionLogView::ExceptionLogView(ExceptionLogModel *model, QWidget *parent)
    : QWidget(parent), m_model(model), m_proxy(new QSortFilterProxyModel(this)), m_filter(new QLineEdit(this)),
      m_table(new QTableView(this)), m_details(new QPlainTextEdit(this)), m_dropped(new QLabel(this))
{
    m_proxy->setSourceModel(model);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setSortRole(Qt::UserRole);

    m_filter->setPlaceholderText(tr("Filter by type, message or worker…"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    auto *copyButton = new QPushButton(tr("Copy"), this);
    copyButton->setToolTip(tr("Copy the selected rows (all rows if none) as tab-separated text"));
    connect(copyButton, &QPushButton::clicked, this, &ExceptionLogView::copySelection);
    m_clearButton = new QPushButton(tr("Clear"), this);
    QPushButton *clearButton = m_clearButton;
    connect(clearButton, &QPushButton::clicked, m_model, &ExceptionLogModel::clear);
    m_dropped->setObjectName(QStringLiteral("droppedLabel"));

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_filter, 1);
    bar->addWidget(m_dropped);
    bar->addWidget(copyButton);
    bar->addWidget(clearButton);

    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(ExceptionLogModel::CountColumn, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(22);
    m_table->horizontalHeader()->setSectionResizeMode(ExceptionLogModel::MessageColumn, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(ExceptionLogModel::FirstSeenColumn, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(ExceptionLogModel::LastSeenColumn, QHeaderView::ResizeToContents);
    m_table->setColumnWidth(ExceptionLogModel::CountColumn, 70);
    m_table->setColumnWidth(ExceptionLogModel::TypeColumn, 160);
    m_table->horizontalHeader()->setMinimumSectionSize(60);
    m_table->setColumnWidth(ExceptionLogModel::WorkersColumn, 80);
    // Three rows stay in view on a small screen even when the columns do not fit its width and
    // a horizontal scroll bar takes a row's height (1024x700: the charts above give way).
    m_table->setMinimumHeight(m_table->horizontalHeader()->sizeHint().height() + 3 * 22 +
                              m_table->horizontalScrollBar()->sizeHint().height() + 2 * m_table->frameWidth());
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &ExceptionLogView::showDetails);
    // Only a change of the row shown rewrites the details (the rest of the log moves on).
    connect(m_model, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
        const QModelIndex current = m_proxy->mapToSource(m_table->currentIndex());
        if (current.isValid() && current.row() >= topLeft.row() && current.row() <= bottomRight.row())
            showDetails();
    });
    // A reset or a sort may move the current row: its details follow it.
    connect(m_model, &QAbstractItemModel::modelReset, this, &ExceptionLogView::showDetails);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &ExceptionLogView::showDetails);

    m_details->setReadOnly(true);
    m_details->setPlaceholderText(tr("Select an exception to see its details."));

    auto *splitter = m_splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_table);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 4);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({800, 230});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(bar);
    layout->addWidget(splitter, 1);
    setDroppedCount(0);
}

void ExceptionLogView::setDroppedCount(quint64 dropped)
{
    m_dropped->setVisible(dropped > 0);
    m_dropped->setText(tr("%1 reports dropped (queue full); the failed counter still counts them")
                           .arg(QLocale().toString(dropped)));
}

void ExceptionLogView::copySelection()
{
    QList<int> rows;
    const QModelIndexList selected = m_table->selectionModel()->selectedRows();
    for (const QModelIndex &index : selected)
        rows << m_proxy->mapToSource(index).row();
    if (rows.isEmpty())
        for (int row = 0; row < m_proxy->rowCount(); ++row)
            rows << m_proxy->mapToSource(m_proxy->index(row, 0)).row();
    QApplication::clipboard()->setText(m_model->toText(rows));
}

void ExceptionLogView::showDetails()
{
    const QModelIndex current = m_proxy->mapToSource(m_table->currentIndex());
    if (!current.isValid()) {
        m_details->clear();
        return;
    }
    const ExceptionLogModel::Entry &entry = m_model->entry(current.row());
    QStringList workers; // ascending as numbers already: 2 before 10
    for (quint32 worker : entry.workers)
        workers << QString::number(worker);
    const QString text = tr("Type: %1\nMessage: %2\nCount: %3\nFirst: %4\nLast: %5\nWorkers: %6\n"
                            "Last thread: %7\nLast unit: #%8 (%9)\nLast report: #%10")
                             .arg(entry.typeName, entry.message, QLocale().toString(entry.count),
                                  entry.firstSeen.toString(Qt::ISODateWithMs), entry.lastSeen.toString(Qt::ISODateWithMs),
                                  workers.join(QStringLiteral(", ")), entry.lastThreadName)
                             .arg(entry.lastUnitId)
                             .arg(entry.lastUnitTag.isEmpty() ? tr("no tag") : entry.lastUnitTag)
                             .arg(entry.lastSequence);
    setDetailsText(text);
}

void ExceptionLogView::setDetailsText(const QString &text)
{
    if (m_details->toPlainText() == text)
        return; // rows arrive many times a second: an unchanged text keeps scroll and selection as they are
    // The text changes (a count, a time): the reader keeps the place and the selection they had.
    const int scroll = m_details->verticalScrollBar()->value();
    const int horizontal = m_details->horizontalScrollBar()->value();
    QTextCursor cursor = m_details->textCursor();
    const int anchor = cursor.anchor(), position = cursor.position();
    m_details->setPlainText(text);
    const int end = static_cast<int>(text.size());
    cursor = m_details->textCursor();
    cursor.setPosition(std::min(anchor, end));
    cursor.setPosition(std::min(position, end), QTextCursor::KeepAnchor);
    m_details->setTextCursor(cursor);
    m_details->verticalScrollBar()->setValue(scroll);
    m_details->horizontalScrollBar()->setValue(horizontal);
}

void ExceptionLogView::setReadOnly() { m_clearButton->hide(); }
