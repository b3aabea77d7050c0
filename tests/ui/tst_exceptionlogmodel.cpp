// ExceptionLogModel: coalescing identical type + message (pool/exceptioncoalescer's, with its
// cap and "(other)" row), counts, workers in numeric order, clear, text, always under
// QAbstractItemModelTester.

#include "exceptionlogmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QtTest>

using poolscope::ExceptionReport;

namespace {
ExceptionReport report(const char *type, const char *message, quint32 worker, std::uint64_t sequence)
{
    ExceptionReport r;
    r.typeName = type;
    r.message = message;
    r.workerIndex = worker;
    r.sequence = sequence;
    r.unitId = sequence * 10;
    r.unitTag = "cpu";
    r.threadName = "pool-worker-" + std::to_string(worker + 1);
    r.time = std::chrono::system_clock::now();
    return r;
}
} // namespace

class TestExceptionLogModel : public QObject {
    Q_OBJECT

private slots:
    void identicalReportsCoalesce();
    void distinctReportsMakeRows();
    void rowLimitFoldsTheRestIntoOther();
    void clearEmptiesTheLog();
    void copyTextHasHeaderAndRows();
    void workersSortAsNumbers();
    void capFoldsNewKindsIntoOneOtherRow();
};

void TestExceptionLogModel::identicalReportsCoalesce()
{
    ExceptionLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy totals(&model, &ExceptionLogModel::totalCountChanged);
    model.addReports({report("std::runtime_error", "boom", 0, 1), report("std::runtime_error", "boom", 3, 2)});
    model.addReports({report("std::runtime_error", "boom", 1, 3)});
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.entry(0).count, quint64(3));
    QCOMPARE(model.data(model.index(0, ExceptionLogModel::CountColumn)).toString(), QStringLiteral("3"));
    QCOMPARE(model.data(model.index(0, ExceptionLogModel::WorkersColumn)).toString(), QStringLiteral("0, 1, 3"));
    QCOMPARE(model.entry(0).lastSequence, quint64(3));
    QCOMPARE(model.totalCount(), quint64(3));
    QCOMPARE(totals.count(), 2); // one signal per batch
}

void TestExceptionLogModel::distinctReportsMakeRows()
{
    ExceptionLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addReports({report("std::runtime_error", "boom", 0, 1), report("int", "42", 0, 2),
                      report("std::runtime_error", "other", 0, 3)});
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.data(model.index(1, ExceptionLogModel::TypeColumn)).toString(), QStringLiteral("int"));
    QCOMPARE(model.data(model.index(1, ExceptionLogModel::MessageColumn)).toString(), QStringLiteral("42"));
    QCOMPARE(model.headerData(ExceptionLogModel::CountColumn, Qt::Horizontal).toString(), QStringLiteral("Count"));
    QCOMPARE(model.data(model.index(0, ExceptionLogModel::CountColumn), Qt::UserRole).toULongLong(), 1ull);
}

void TestExceptionLogModel::rowLimitFoldsTheRestIntoOther()
{
    ExceptionLogModel model;
    std::vector<ExceptionReport> reports;
    for (int i = 0; i < ExceptionLogModel::MaxRows + 50; ++i)
        reports.push_back(report("std::runtime_error", ("unit " + std::to_string(i)).c_str(), 0, std::uint64_t(i)));
    model.addReports(reports);
    QCOMPARE(model.rowCount(), ExceptionLogModel::MaxRows + 1);
    QCOMPARE(model.entry(ExceptionLogModel::MaxRows).count, quint64(50));
    QCOMPARE(model.totalCount(), quint64(ExceptionLogModel::MaxRows + 50));
}

void TestExceptionLogModel::clearEmptiesTheLog()
{
    ExceptionLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addReports({report("int", "1", 0, 1)});
    QSignalSpy totals(&model, &ExceptionLogModel::totalCountChanged);
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.totalCount(), quint64(0));
    QCOMPARE(totals.takeFirst().at(0).toULongLong(), 0ull);
    model.addReports({report("int", "1", 0, 2)});
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.entry(0).count, quint64(1));
}

void TestExceptionLogModel::copyTextHasHeaderAndRows()
{
    ExceptionLogModel model;
    model.addReports({report("std::runtime_error", "boom", 2, 1), report("int", "42", 0, 2)});
    const QStringList lines = model.toText({1}).split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 2);
    QVERIFY(lines[0].startsWith(QStringLiteral("Count\tType\tMessage")));
    QVERIFY(lines[1].startsWith(QStringLiteral("1\tint\t42")));
}

void TestExceptionLogModel::workersSortAsNumbers()
{
    ExceptionLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addReports({report("int", "1", 10, 1), report("int", "1", 2, 2), report("int", "1", 0, 3), report("int", "1", 11, 4),
                      report("int", "1", 1, 5)});
    QCOMPARE(model.data(model.index(0, ExceptionLogModel::WorkersColumn)).toString(), QStringLiteral("0, 1, 2, 10, 11"));
    QCOMPARE(model.entry(0).workers, (std::vector<quint32>{0, 1, 2, 10, 11}));

    // Rows by their workers: as text "10" < "2" < "9"; as numbers 2 < 9 < 10.
    model.addReports({report("int", "on ten", 10, 6), report("int", "on two", 2, 7), report("int", "on nine", 9, 8)});
    QSortFilterProxyModel sorted;
    sorted.setSourceModel(&model);
    sorted.setSortRole(Qt::UserRole);
    sorted.sort(ExceptionLogModel::WorkersColumn, Qt::AscendingOrder);
    QStringList order;
    for (int row = 0; row < sorted.rowCount(); ++row)
        order << sorted.index(row, ExceptionLogModel::MessageColumn).data().toString();
    QCOMPARE(order, (QStringList{QStringLiteral("1"), QStringLiteral("on two"), QStringLiteral("on nine"), QStringLiteral("on ten")}));
}

void TestExceptionLogModel::capFoldsNewKindsIntoOneOtherRow()
{
    ExceptionLogModel model(nullptr, 3);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addReports({report("int", "a", 0, 1), report("int", "b", 1, 2), report("int", "c", 2, 3)});
    model.addReports({report("int", "d", 3, 4), report("int", "a", 0, 5), report("int", "e", 4, 6)});
    QCOMPARE(model.rowCount(), 4); // three kinds and "(other)"
    QCOMPARE(model.entry(0).count, quint64(2));
    QCOMPARE(model.entry(3).typeName, QString::fromLatin1(poolscope::ExceptionCoalescer::OtherType));
    QCOMPARE(model.entry(3).count, quint64(2)); // d and e
    QCOMPARE(model.entry(3).workers, (std::vector<quint32>{3, 4}));
    QCOMPARE(model.totalCount(), quint64(6));

    // A saved run with more kinds than the cap folds the same way.
    std::vector<poolscope::ExceptionSummary> saved;
    for (const char *message : {"p", "q", "r", "s", "t"})
        saved.push_back({.typeName = "int", .message = message, .count = 2, .first = {}, .last = {}, .workers = {7}});
    model.setSummaries(saved);
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.entry(3).count, quint64(4));
    QCOMPARE(model.totalCount(), quint64(10));
}

QTEST_MAIN(TestExceptionLogModel)
#include "tst_exceptionlogmodel.moc"
