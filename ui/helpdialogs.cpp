#include "helpdialogs.h"

#include <QAction>
#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QMenu>
#include <QMenuBar>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace {

QString tr(const char *text) { return QCoreApplication::translate("HelpDialogs", text); }

QString withoutMnemonic(QString text)
{
    text.remove(QChar(0x2026)); // "Open snapshot…"
    // "&&" is a literal ampersand; a single "&" marks the mnemonic.
    text.replace(QStringLiteral("&&"), QStringLiteral("\x01"));
    text.remove(QLatin1Char('&'));
    text.replace(QStringLiteral("\x01"), QStringLiteral("&"));
    return text;
}

void addRows(const QMenu *menu, QString &rows)
{
    const QString menuName = withoutMnemonic(menu->title());
    for (const QAction *action : menu->actions()) {
        if (action->menu()) {
            addRows(action->menu(), rows);
            continue;
        }
        if (action->isSeparator() || action->shortcut().isEmpty())
            continue;
        rows += QStringLiteral("<tr><td>%1</td><td>%2</td><td><b>%3</b></td></tr>")
                    .arg(menuName.toHtmlEscaped(), withoutMnemonic(action->text()).toHtmlEscaped(),
                         action->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped());
    }
}

} // namespace

QString shortcutListHtml(const QMenuBar *menus)
{
    QString rows;
    for (const QAction *action : menus->actions())
        if (action->menu())
            addRows(action->menu(), rows);
    const auto row = [](const QString &where, const QString &what, const QString &keys) {
        return QStringLiteral("<tr><td>%1</td><td>%2</td><td><b>%3</b></td></tr>").arg(where, what, keys);
    };
    rows += row(tr("Sliders and boxes"), tr("Change by one step (the worker count by one)"), tr("Arrow keys"));
    rows += row(tr("Sliders and boxes"), tr("Change by a large step"), tr("Page Up / Page Down"));
    rows += row(tr("Sliders and boxes"), tr("Wheel changes a value only after a click on it (else it scrolls the panel)"),
                tr("Wheel"));
    rows += row(tr("Charts"), tr("Scroll back in time (pauses the charts)"), tr("Drag"));
    rows += row(tr("Charts"), tr("Zoom the time axis"), tr("Wheel"));
    rows += row(tr("Saved run window"), tr("Close it"), tr("Esc, Ctrl+W"));
    return tr("<h3>Keyboard and mouse</h3><table cellspacing='0' cellpadding='4' border='1' style='border-collapse: collapse'>"
              "<tr><th align='left'>Where</th><th align='left'>What</th><th align='left'>Keys</th></tr>") +
           rows + QStringLiteral("</table>");
}

QString quickStartHtml()
{
    return tr("<h3>Quick start</h3><ol>"
              "<li><b>Start the load</b> (the button under <i>Load</i>, or F5). Producers post work units at the rate "
              "set there; each unit spins the CPU for its cost, some block, some throw.</li>"
              "<li><b>Watch the queue and the threads.</b> The Queue depth chart grows when the pool cannot keep up; "
              "the Threads chart shows running, blocked and idle workers against the concurrency limit. Running "
              "stays at or under the limit unless units block: a blocked worker lets another one run.</li>"
              "<li><b>Resize the pool while it runs.</b> Move <i>Workers</i> (or click it and use the arrow keys): "
              "target and live counts show a shrink or growth in progress. <i>Concurrency</i> caps how many "
              "run at once (0 = one per processor).</li>"
              "<li><b>Make units misbehave.</b> Raise <i>Blocking</i> or <i>Exceptions</i> under <i>Work units</i>; "
              "the exception log below the charts coalesces identical exceptions, and <i>On exception</i> picks "
              "what a throw does: log and go on, retire the worker, or fail fast.</li>"
              "<li><b>Keep what you saw.</b> File → Export writes the run as JSON, CSV, Prometheus or OpenMetrics "
              "text, PNG or PDF; File → Open shows a saved run beside the live one. Pool → Graceful / Fast "
              "shutdown and Restart end the run (they ask first).</li></ol>"
              "<p>Settings apply to <i>new</i> units: units already queued run as they were made (a notice says "
              "so and offers to drop them).</p>");
}

QDialog *openHelpPage(QWidget *parent, const QString &objectName, const QString &title, const QString &html)
{
    auto *dialog = new QDialog(parent);
    dialog->setObjectName(objectName);
    dialog->setWindowTitle(title);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    auto *text = new QTextBrowser(dialog);
    text->setHtml(html);
    text->setOpenExternalLinks(false);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
    auto *layout = new QVBoxLayout(dialog);
    layout->addWidget(text, 1);
    layout->addWidget(buttons);
    dialog->resize(620, 480);
    dialog->show();
    return dialog;
}
