#include "iosection.h"

#include "iochart.h"
#include "ioloadpanel.h"
#include "iotiles.h"
#include "sessioncontroller.h"

#include <QScrollArea>
#include <QTabBar>
#include <QTabWidget>
#include <QHBoxLayout>

IoSection::IoSection(SessionController *controller, QObject *parent)
    : QObject(parent), m_controls(new IoLoadPanel), m_page(new QScrollArea), m_tiles(new IoTiles),
      m_chart(new IoChart)
{
    // In a scroll area: the page never raises the charts area's minimum above the pool
    // charts' own (the window must still fit a 1024 x 700 screen); it scrolls instead.
    auto *scroll = static_cast<QScrollArea *>(m_page);
    scroll->setObjectName(QStringLiteral("ioPage"));
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidgetResizable(true);
    auto *content = new QWidget;
    scroll->setWidget(content);
    auto *layout = new QHBoxLayout(content);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->setSpacing(6);
    layout->addWidget(m_tiles);
    layout->addWidget(m_chart, 1);
    connect(controller, &SessionController::samplesArrived, m_tiles, &IoTiles::appendSamples);
    connect(controller, &SessionController::samplesArrived, m_chart, &IoChart::appendSamples);
    connect(controller, &SessionController::runStarted, m_tiles, &IoTiles::startNewRun);
    connect(controller, &SessionController::runStarted, m_chart, &IoChart::startNewRun);
    connect(controller, &SessionController::statusChanged, m_controls,
            [this](const poolscope::SessionStatus &status) {
                m_controls->setProblem(QString::fromStdString(status.io.problem));
            });
}

void IoSection::placeIn(QTabWidget *tabs, int index)
{
    m_tabs = tabs;
    m_index = index;
    m_tabs->tabBar()->setVisible(m_shown);
    if (m_shown)
        m_tabs->setCurrentIndex(index);
}

void IoSection::showSettings(const poolscope::IoLoadSettings &io)
{
    m_controls->setSettings(io);
    const bool on = io.echo || io.fileReads;
    if (on == m_shown)
        return;
    m_shown = on;
    if (!m_tabs)
        return;
    // One tab alone needs no bar: without an I/O load the pool's charts are all there is.
    m_tabs->tabBar()->setVisible(on);
    m_tabs->setCurrentIndex(on ? m_index : 0);
}
