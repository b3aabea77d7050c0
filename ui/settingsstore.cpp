#include "settingsstore.h"

#include "settingranges.h"

#include <QString>

#include <cmath>

namespace {

template <typename Parse, typename Value>
void readName(const QSettings &settings, const char *key, Parse parse, Value &value)
{
    const QString text = settings.value(QLatin1String(key)).toString();
    if (const auto parsed = parse(text.toStdString()))
        value = *parsed;
}

// A whole number in the setting's range, or `fallback` when the file holds garbage, NaN, a
// fraction or a number too large for an int (toInt() without its ok flag turned those into 0 workers).
int wholeSetting(const QSettings &settings, const char *key, int fallback, poolscope::Setting setting)
{
    const QVariant stored = settings.value(QLatin1String(key));
    if (!stored.isValid())
        return fallback;
    bool ok = false;
    const int value = stored.toString().trimmed().toInt(&ok);
    return ok && poolscope::rangeOf(setting).contains(value) ? value : fallback;
}

QString nameText(std::string_view name) { return QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size())); }

} // namespace

ControlState SettingsStore::loadControls() const
{
    ControlState state;
    const ControlState defaults;
    state.workers = wholeSetting(m_settings, "pool/workers", defaults.workers, poolscope::Setting::Workers);
    state.concurrency = wholeSetting(m_settings, "pool/concurrency", defaults.concurrency, poolscope::Setting::Concurrency);
    poolscope::ExceptionPolicy policy = defaults.policy;
    if (poolscope::parseExceptionPolicy(m_settings.value(QStringLiteral("pool/policy")).toString().toStdString(), policy))
        state.policy = policy;

    poolscope::LoadSettings &load = state.load;
    const poolscope::LoadSettings loadDefaults;
    load.producers = m_settings.value(QStringLiteral("load/producers"), loadDefaults.producers).toUInt();
    readName(m_settings, "load/pattern", poolscope::parseLoadPattern, load.pattern);
    load.ratePerSecond = m_settings.value(QStringLiteral("load/rate"), loadDefaults.ratePerSecond).toDouble();
    load.burstSize = m_settings.value(QStringLiteral("load/burstSize"), loadDefaults.burstSize).toUInt();
    load.burstInterval = std::chrono::milliseconds(
        m_settings.value(QStringLiteral("load/burstIntervalMs"), qlonglong(loadDefaults.burstInterval.count())).toLongLong());
    load.period = std::chrono::milliseconds(
        m_settings.value(QStringLiteral("load/periodMs"), qlonglong(loadDefaults.period.count())).toLongLong());
    readName(m_settings, "load/costDistribution", poolscope::parseCostDistribution, load.costDistribution);
    load.meanCost = std::chrono::microseconds(
        m_settings.value(QStringLiteral("load/meanCostUs"), qlonglong(loadDefaults.meanCost.count())).toLongLong());
    load.blockingShare = m_settings.value(QStringLiteral("load/blockingShare"), loadDefaults.blockingShare).toDouble();
    load.blockingTime = std::chrono::microseconds(
        m_settings.value(QStringLiteral("load/blockingTimeUs"), qlonglong(loadDefaults.blockingTime.count())).toLongLong());
    load.exceptionProbability =
        m_settings.value(QStringLiteral("load/exceptionProbability"), loadDefaults.exceptionProbability).toDouble();
    readName(m_settings, "load/exceptionType", poolscope::parseThrownType, load.exceptionType);
    load.queueCap = m_settings.value(QStringLiteral("load/queueCap"), qulonglong(loadDefaults.queueCap)).toULongLong();
    if (!load.validate().empty())
        load = loadDefaults; // a hand-edited file with a bad value: start from the defaults

    poolscope::IoLoadSettings &io = state.io;
    const poolscope::IoLoadSettings ioDefaults;
    io.echo = m_settings.value(QStringLiteral("io/echo"), ioDefaults.echo).toBool();
    io.connections = m_settings.value(QStringLiteral("io/connections"), ioDefaults.connections).toUInt();
    io.messageBytes = m_settings.value(QStringLiteral("io/messageBytes"), ioDefaults.messageBytes).toUInt();
    io.messagesPerSecond = m_settings.value(QStringLiteral("io/rate"), ioDefaults.messagesPerSecond).toDouble();
    io.thinkTime = std::chrono::microseconds(
        m_settings.value(QStringLiteral("io/thinkTimeUs"), qlonglong(ioDefaults.thinkTime.count())).toLongLong());
    io.costPerMessage = std::chrono::microseconds(
        m_settings.value(QStringLiteral("io/costUs"), qlonglong(ioDefaults.costPerMessage.count())).toLongLong());
    io.fileReads = m_settings.value(QStringLiteral("io/fileReads"), ioDefaults.fileReads).toBool();
    io.blockBytes = m_settings.value(QStringLiteral("io/blockBytes"), ioDefaults.blockBytes).toUInt();
    if (!io.validate().empty())
        io = ioDefaults; // as for the load: a bad value in the file starts the I/O load from the defaults
    return state;
}

void SettingsStore::saveControls(const ControlState &state)
{
    m_settings.setValue(QStringLiteral("pool/workers"), state.workers);
    m_settings.setValue(QStringLiteral("pool/concurrency"), state.concurrency);
    m_settings.setValue(QStringLiteral("pool/policy"), nameText(poolscope::nameOf(state.policy)));
    const poolscope::LoadSettings &load = state.load;
    m_settings.setValue(QStringLiteral("load/producers"), load.producers);
    m_settings.setValue(QStringLiteral("load/pattern"), nameText(poolscope::nameOf(load.pattern)));
    m_settings.setValue(QStringLiteral("load/rate"), load.ratePerSecond);
    m_settings.setValue(QStringLiteral("load/burstSize"), load.burstSize);
    m_settings.setValue(QStringLiteral("load/burstIntervalMs"), qlonglong(load.burstInterval.count()));
    m_settings.setValue(QStringLiteral("load/periodMs"), qlonglong(load.period.count()));
    m_settings.setValue(QStringLiteral("load/costDistribution"), nameText(poolscope::nameOf(load.costDistribution)));
    m_settings.setValue(QStringLiteral("load/meanCostUs"), qlonglong(load.meanCost.count()));
    m_settings.setValue(QStringLiteral("load/blockingShare"), load.blockingShare);
    m_settings.setValue(QStringLiteral("load/blockingTimeUs"), qlonglong(load.blockingTime.count()));
    m_settings.setValue(QStringLiteral("load/exceptionProbability"), load.exceptionProbability);
    m_settings.setValue(QStringLiteral("load/exceptionType"), nameText(poolscope::nameOf(load.exceptionType)));
    m_settings.setValue(QStringLiteral("load/queueCap"), qulonglong(load.queueCap));
    const poolscope::IoLoadSettings &io = state.io;
    m_settings.setValue(QStringLiteral("io/echo"), io.echo);
    m_settings.setValue(QStringLiteral("io/connections"), io.connections);
    m_settings.setValue(QStringLiteral("io/messageBytes"), io.messageBytes);
    m_settings.setValue(QStringLiteral("io/rate"), io.messagesPerSecond);
    m_settings.setValue(QStringLiteral("io/thinkTimeUs"), qlonglong(io.thinkTime.count()));
    m_settings.setValue(QStringLiteral("io/costUs"), qlonglong(io.costPerMessage.count()));
    m_settings.setValue(QStringLiteral("io/fileReads"), io.fileReads);
    m_settings.setValue(QStringLiteral("io/blockBytes"), io.blockBytes);
}

QByteArray SettingsStore::loadGeometry() const { return m_settings.value(QStringLiteral("window/geometry")).toByteArray(); }

void SettingsStore::saveGeometry(const QByteArray &geometry) { m_settings.setValue(QStringLiteral("window/geometry"), geometry); }

QByteArray SettingsStore::loadWindowLayout() const { return m_settings.value(QStringLiteral("window/layout")).toByteArray(); }

void SettingsStore::saveWindowLayout(const QByteArray &layout) { m_settings.setValue(QStringLiteral("window/layout"), layout); }

double SettingsStore::loadChartWindow() const
{
    const double seconds = m_settings.value(QStringLiteral("charts/windowSeconds"), 30.0).toDouble();
    return std::isfinite(seconds) && seconds >= 1 && seconds <= 3600 ? seconds : 30.0;
}

void SettingsStore::saveChartWindow(double seconds) { m_settings.setValue(QStringLiteral("charts/windowSeconds"), seconds); }

ExportPreferences SettingsStore::loadExportPreferences() const
{
    ExportPreferences preferences;
    preferences.folder = m_settings.value(QStringLiteral("export/folder")).toString();
    const QSize size = m_settings.value(QStringLiteral("export/chartSize"), ExportPreferences::DefaultChartSize).toSize();
    const auto inRange = [](int side) { return side >= ExportPreferences::MinChartSide && side <= ExportPreferences::MaxChartSide; };
    if (inRange(size.width()) && inRange(size.height()))
        preferences.chartSize = size;
    preferences.wholeHistory = m_settings.value(QStringLiteral("export/wholeHistory"), true).toBool();
    const QString page = m_settings.value(QStringLiteral("export/pdfPage")).toString();
    if (page == QLatin1String("letter-landscape"))
        preferences.pdfPage = PdfPage::LetterLandscape;
    else if (page == QLatin1String("picture-size"))
        preferences.pdfPage = PdfPage::PictureSize;
    return preferences; // anything else: A4 landscape
}

void SettingsStore::saveExportPreferences(const ExportPreferences &preferences)
{
    m_settings.setValue(QStringLiteral("export/folder"), preferences.folder);
    m_settings.setValue(QStringLiteral("export/chartSize"), preferences.chartSize);
    m_settings.setValue(QStringLiteral("export/wholeHistory"), preferences.wholeHistory);
    m_settings.setValue(QStringLiteral("export/pdfPage"), preferences.pdfPage == PdfPage::LetterLandscape ? QStringLiteral("letter-landscape")
                                                          : preferences.pdfPage == PdfPage::PictureSize ? QStringLiteral("picture-size")
                                                                                                         : QStringLiteral("a4-landscape"));
}

void SettingsStore::clear() { m_settings.clear(); }

bool SettingsStore::flush(QString &error)
{
    m_settings.sync();
    if (m_settings.status() == QSettings::NoError)
        return true;
    error = QStringLiteral("the settings could not be saved to %1 (%2)")
                .arg(m_settings.fileName(),
                     m_settings.status() == QSettings::AccessError ? QStringLiteral("no permission, or not a writable file")
                                                                   : QStringLiteral("the file is not in settings format"));
    return false;
}
