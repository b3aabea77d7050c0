#include "sweepexport.h"

#include "jsonwriter.h"

#include <iomanip>
#include <ostream>

namespace poolscope {

void writeSweepJson(std::ostream &out, const SweepResult &sweep)
{
    const Knee knee = sweep.knee();
    JsonWriter json(out);
    json.beginObject();
    json.key("kind").value(SweepKind);
    json.key("format").value(SweepFormat);
    json.key("poolscope_version").value(sweep.options.poolscopeVersion);
    json.key("started").time(sweep.started);
    json.key("grid").value(sweep.options.grid.text());
    json.key("points_planned").value(static_cast<std::uint64_t>(sweep.options.grid.pointCount()));
    json.key("warm_up_s").value(std::chrono::duration<double>(sweep.options.warmUp).count());
    json.key("period_s").value(std::chrono::duration<double>(sweep.options.period).count());
    json.key("queue_wait_target_ns").value(static_cast<std::uint64_t>(sweep.options.waitTarget.count()));
    json.key("processors").value(sweep.processors);
    json.key("cancelled").value(sweep.cancelled);
    json.key("knee").beginObject();
    if (knee.index) {
        json.key("workers").value(sweep.points[*knee.index].figures.workers);
        json.key("concurrency").value(sweep.points[*knee.index].figures.concurrency);
    }
    json.key("explanation").value(knee.explanation);
    json.endObject();
    json.key("points").beginArray();
    for (const SweepPoint &point : sweep.points) {
        const SweepFigures &f = point.figures;
        json.beginObject();
        json.key("workers").value(f.workers);
        json.key("concurrency").value(f.concurrency);
        json.key("measured_s").value(f.measuredSeconds);
        json.key("completed").value(f.completed);
        json.key("failed").value(f.failed);
        json.key("completions_per_s").value(f.completionsPerSecond);
        json.key("utilisation_percent").value(f.utilisationPercent);
        writeLatencySummary(json, "queue_wait", f.queueWait);
        writeLatencySummary(json, "service", f.serviceTime);
        json.key("run").nested([&](std::ostream &stream) { writeJson(stream, point.report); });
        json.endObject();
    }
    json.endArray();
    json.endObject();
    out << '\n';
}

void writeSweepCsv(std::ostream &out, const SweepResult &sweep)
{
    const Knee knee = sweep.knee();
    out << "workers,concurrency,measured_s,completed,failed,completions_per_s,utilisation_percent,queue_wait_p50_ns,queue_wait_p99_ns,"
           "service_p50_ns,service_p99_ns,knee\r\n";
    out << std::setprecision(12);
    for (std::size_t i = 0; i < sweep.points.size(); ++i) {
        const SweepFigures &f = sweep.points[i].figures;
        out << f.workers << ',' << f.concurrency << ',' << f.measuredSeconds << ',' << f.completed << ',' << f.failed << ','
            << f.completionsPerSecond << ',' << f.utilisationPercent << ',' << f.queueWait.p50 << ',' << f.queueWait.p99 << ',' << f.serviceTime.p50 << ','
            << f.serviceTime.p99 << ',' << (knee.index == i ? 1 : 0) << "\r\n";
    }
}

} // namespace poolscope
