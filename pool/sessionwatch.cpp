#include "sessionwatch.h"

#include "jsonwriter.h"
#include "poolsession.h"

namespace poolscope {

namespace {
template <typename T>
void keepNewest(std::deque<T> &log, T entry)
{
    log.push_back(std::move(entry));
    while (log.size() > SessionWatch::MaxLogEntries)
        log.pop_front();
}
} // namespace

std::string_view nameOf(AutoSizer::Phase phase) noexcept
{
    switch (phase) {
    case AutoSizer::Phase::Baseline: return "baseline";
    case AutoSizer::Phase::Probing: return "probing";
    case AutoSizer::Phase::Settled: return "settled";
    }
    return "baseline";
}

SessionWatch::SessionWatch(PoolSession &session) : m_session(session) {}

void SessionWatch::setAutoSize(std::optional<AutoSizerOptions> options)
{
    if (!options) {
        m_sizer.reset();
        return;
    }
    AutoSizer sizer(*options); // throws for bad options before anything changes
    m_sizer = std::move(sizer);
    m_options = *options;
}

void SessionWatch::setAlertRules(std::vector<AlertRule> rules) { m_alerts.setRules(std::move(rules)); }

void SessionWatch::observe(const std::vector<Sample> &samples, Events &events)
{
    if (samples.empty())
        return;
    const std::size_t firstAlert = events.alerts.size();
    // Decisions only while the run runs: a drain's settings would be kept for the next run.
    const bool running = m_sizer && m_session.status().phase == RunPhase::Running;
    for (const Sample &sample : samples) {
        m_alerts.observe(sample, events.alerts);
        if (!running || sample.pool.state != PoolState::Running)
            continue;
        std::optional<AutoSizeDecision> decision = m_sizer->observe(sample);
        if (!decision)
            continue;
        if (decision->to != decision->from) {
            SessionSettings settings = m_session.settings();
            settings.workers = decision->to;
            std::string error;
            if (!m_session.apply(settings, error))
                decision->reason += " (not applied: " + error + ")"; // the sizer sees the size stay, and starts again
        }
        keepNewest(m_decisions, *decision);
        events.decisions.push_back(std::move(*decision));
    }
    for (std::size_t i = firstAlert; i < events.alerts.size(); ++i)
        keepNewest(m_alertEvents, events.alerts[i]);
}

void SessionWatch::startNewRun()
{
    if (m_sizer)
        m_sizer->reset();
    m_alerts.reset();
    m_decisions.clear();
    m_alertEvents.clear();
}

WatchReport SessionWatch::report() const
{
    WatchReport r;
    r.autoSizeEnabled = m_sizer.has_value();
    r.autoSizeOptions = m_options;
    if (m_sizer)
        r.autoSizePhase = std::string(nameOf(m_sizer->phase()));
    r.decisions.assign(m_decisions.begin(), m_decisions.end());
    r.alertRules = m_alerts.rules();
    r.alertStates = m_alerts.states();
    r.alertEvents.assign(m_alertEvents.begin(), m_alertEvents.end());
    return r;
}

void writeWatchJson(JsonWriter &json, const WatchReport &r, std::uint64_t originNs)
{
    const auto seconds = [originNs](std::uint64_t ns) { return (static_cast<double>(ns) - static_cast<double>(originNs)) / 1e9; };
    json.key("auto_size").beginObject();
    json.key("enabled").value(r.autoSizeEnabled);
    json.key("phase").value(r.autoSizePhase);
    json.key("floor").value(r.autoSizeOptions.floor);
    json.key("ceiling").value(r.autoSizeOptions.ceiling);
    json.key("wait_target_ms").value(static_cast<std::uint64_t>(r.autoSizeOptions.waitTarget.count()));
    json.key("window_ms").value(static_cast<std::uint64_t>(r.autoSizeOptions.window.count()));
    json.key("decisions").beginArray();
    for (const AutoSizeDecision &d : r.decisions) {
        json.beginObject();
        json.key("time_s").value(seconds(d.timestampNs));
        json.key("action").value(nameOf(d.action));
        json.key("from").value(d.from);
        json.key("to").value(d.to);
        json.key("throughput_per_s").value(d.throughput);
        json.key("wait_p99_ns").value(d.waitP99Ns);
        json.key("reason").value(d.reason);
        json.endObject();
    }
    json.endArray();
    json.endObject();

    json.key("alerts").beginObject();
    json.key("rules").beginArray();
    for (std::size_t i = 0; i < r.alertRules.size(); ++i) {
        json.beginObject();
        json.key("rule").value(r.alertRules[i].text());
        if (i < r.alertStates.size()) {
            json.key("firing").value(r.alertStates[i].firing);
            json.key("fires").value(r.alertStates[i].fires);
        }
        json.endObject();
    }
    json.endArray();
    json.key("events").beginArray();
    for (const AlertEvent &e : r.alertEvents) {
        json.beginObject();
        json.key("time_s").value(seconds(e.timestampNs));
        json.key("rule").value(e.rule);
        json.key("event").value(nameOf(e.kind));
        json.key("notified").value(e.notify);
        json.key("message").value(e.message);
        json.endObject();
    }
    json.endArray();
    json.endObject();
}

} // namespace poolscope
