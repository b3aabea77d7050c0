#include "exceptioncoalescer.h"

#include <algorithm>

namespace poolscope {

namespace {
std::string keyOf(const std::string &typeName, const std::string &message)
{
    std::string key;
    key.reserve(typeName.size() + 1 + message.size());
    key.append(typeName).push_back('\x1f'); // a separator no type name contains
    key.append(message);
    return key;
}

void addWorker(std::vector<std::uint32_t> &workers, std::uint32_t worker)
{
    const auto at = std::lower_bound(workers.begin(), workers.end(), worker);
    if (at == workers.end() || *at != worker)
        workers.insert(at, worker);
}
} // namespace

std::size_t ExceptionCoalescer::rowFor(const std::string &typeName, const std::string &message,
                                       std::chrono::system_clock::time_point first)
{
    std::string key = keyOf(typeName, message);
    auto found = m_rowOfKey.find(key);
    if (found != m_rowOfKey.end())
        return found->second;
    bool other = m_rows.size() >= m_maxKinds;
    if (other) {
        key = keyOf(OtherType, OtherMessage);
        found = m_rowOfKey.find(key);
        if (found != m_rowOfKey.end())
            return found->second;
    }
    ExceptionSummary row;
    row.typeName = other ? std::string(OtherType) : typeName;
    row.message = other ? std::string(OtherMessage) : message;
    row.first = first;
    row.last = first;
    m_rows.push_back(std::move(row));
    m_rowOfKey.emplace(std::move(key), m_rows.size() - 1);
    return m_rows.size() - 1;
}

std::size_t ExceptionCoalescer::add(const ExceptionReport &report)
{
    const std::size_t index = rowFor(report.typeName, report.message, report.time);
    ExceptionSummary &row = m_rows[index];
    ++row.count;
    row.first = std::min(row.first, report.time);
    row.last = std::max(row.last, report.time);
    addWorker(row.workers, report.workerIndex);
    ++m_total;
    return index;
}

std::size_t ExceptionCoalescer::add(const ExceptionSummary &summary)
{
    const std::size_t index = rowFor(summary.typeName, summary.message, summary.first);
    ExceptionSummary &row = m_rows[index];
    row.count += summary.count;
    row.first = std::min(row.first, summary.first);
    row.last = std::max(row.last, summary.last);
    for (std::uint32_t worker : summary.workers)
        addWorker(row.workers, worker);
    m_total += summary.count;
    return index;
}

void ExceptionCoalescer::clear()
{
    m_rows.clear();
    m_rowOfKey.clear();
    m_total = 0;
}

} // namespace poolscope
