#include "watchlogview.h"

#include <QHeaderView>
#include <QLocale>
#include <QScrollBar>
#include <QTreeWidget>
#include <QVBoxLayout>

WatchLogView::WatchLogView(const QString &what, const QString &why, QWidget *parent) : QWidget(parent), m_tree(new QTreeWidget)
{
    m_tree->setColumnCount(3);
    m_tree->setHeaderLabels({tr("Time"), what, why});
    m_tree->setRootIsDecorated(false);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_tree->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_tree->header()->setStretchLastSection(true);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tree);
}

void WatchLogView::addEntry(double runSeconds, const QString &what, const QString &why, bool highlight)
{
    QScrollBar *bar = m_tree->verticalScrollBar();
    const bool atBottom = bar->value() == bar->maximum(); // follow only a user who follows
    auto *item = new QTreeWidgetItem({tr("%1 s").arg(QLocale().toString(runSeconds, 'f', 1)), what, why});
    item->setToolTip(2, why);
    if (highlight)
        for (int column = 0; column < 3; ++column)
            item->setForeground(column, QColor(0xd7, 0x19, 0x1c));
    m_tree->addTopLevelItem(item);
    while (m_tree->topLevelItemCount() > MaxRows)
        delete m_tree->takeTopLevelItem(0);
    if (atBottom)
        m_tree->scrollToBottom();
}

void WatchLogView::clear() { m_tree->clear(); }
int WatchLogView::rowCount() const { return m_tree->topLevelItemCount(); }

QString WatchLogView::rowText(int row) const
{
    const QTreeWidgetItem *item = m_tree->topLevelItem(row);
    return item ? QStringLiteral("%1 | %2 | %3").arg(item->text(0), item->text(1), item->text(2)) : QString();
}
