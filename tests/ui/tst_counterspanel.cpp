// The counters panel shows every field of the snapshot table (snapshotfields.h): a row per
// field, or two fields in one row ("a / b"), each with its own value.

#include "counterspanel.h"
#include "snapshotfields.h"
#include "unitformat.h"

#include <QtTest>

#include <QLabel>
#include <QLocale>

using namespace poolscope;

class TestCountersPanel : public QObject {
    Q_OBJECT

private slots:
    void everyFieldHasItsValueInARow();
};

void TestCountersPanel::everyFieldHasItsValueInARow()
{
    Sample sample;
    sample.pool.state = PoolState::Draining;
    sample.pool.policy = ExceptionPolicy::RetireWorker;
    std::uint32_t next = 1001;
    for (const SnapshotField &field : snapshotFields()) {
        if (auto *m = std::get_if<std::uint64_t PoolSnapshot::*>(&field.member))
            sample.pool.**m = next++;
        else if (auto *m32 = std::get_if<std::uint32_t PoolSnapshot::*>(&field.member))
            sample.pool.**m32 = next++;
    }
    CountersPanel panel;
    panel.showSample(sample);
    for (const SnapshotField &field : snapshotFields()) {
        const std::string_view rowKey = field.sharesRowWith.empty() ? field.name : field.sharesRowWith;
        const QString row = panel.valueText(QString::fromLatin1(rowKey.data(), qsizetype(rowKey.size())));
        QString expected;
        const FieldValue value = field.read(sample.pool);
        if (const auto *name = std::get_if<std::string_view>(&value))
            expected = QString::fromLatin1(name->data(), qsizetype(name->size()));
        else
            expected = QLocale().toString(qulonglong(std::get<std::uint64_t>(value)));
        if (field.unit == FieldUnit::Bytes)
            expected += QStringLiteral(" B"); // the panel writes the unit of a byte count
        if (field.unit == FieldUnit::Nanoseconds) // thread time: a duration
            expected = unitformat::durationNs(static_cast<double>(std::get<std::uint64_t>(value)));
        const QStringList parts = row.split(QStringLiteral(" / "));
        QVERIFY2(parts.contains(expected), qPrintable(QStringLiteral("%1: '%2' not in '%3'")
                                                            .arg(QLatin1String(field.name.data()), expected, row)));
    }
    // A shared row's title names both fields.
    const QLabel *target = panel.findChild<QLabel *>(QStringLiteral("target_workers"));
    QVERIFY(target);
    QCOMPARE(panel.valueText(QStringLiteral("target_workers")), QStringLiteral("%1 / %2").arg(
        QLocale().toString(qulonglong(sample.pool.targetWorkers)), QLocale().toString(qulonglong(sample.pool.liveWorkers))));
    QCOMPARE(panel.valueText(QStringLiteral("live_workers")), QString()); // no row of its own
}

QTEST_MAIN(TestCountersPanel)
#include "tst_counterspanel.moc"
