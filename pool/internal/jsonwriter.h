#pragma once
#if !defined(POOLSCOPE_POOL_INTERNALS) // set for pool/ and the white-box tests only (pool/CMakeLists.txt)
#error "pool/internal/ is private to the pool library: include the public headers of pool/"
#endif
// The JSON writer every pool/ export shares (the run report, the sweep).

#include "latencyhistogram.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <ostream>
#include <string_view>

namespace poolscope {

// A small streaming JSON writer: enough for the run report and the sweep, no dependency.
// Numbers that are not finite are written as null (JSON has neither NaN nor infinity).
// Not thread-safe: one writer per stream, on one thread.
class JsonWriter {
public:
    explicit JsonWriter(std::ostream &out) : m_out(out) { m_out << std::setprecision(15); }

    void beginObject() { open('{'); }
    void endObject() { close('}'); }
    void beginArray() { open('['); }
    void endArray() { close(']'); }

    JsonWriter &key(std::string_view name)
    {
        separate();
        string(name);
        m_out << ':';
        m_afterKey = true;
        return *this;
    }
    void value(std::string_view text)
    {
        separate();
        string(text);
    }
    void value(const char *text) { value(std::string_view(text)); }
    void value(double number)
    {
        separate();
        if (std::isfinite(number))
            m_out << number;
        else
            m_out << "null"; // JSON has no NaN or infinity
    }
    void value(std::uint64_t number)
    {
        separate();
        m_out << number;
    }
    void value(std::uint32_t number) { value(static_cast<std::uint64_t>(number)); }
    void value(int number)
    {
        separate();
        m_out << number;
    }
    void value(bool flag)
    {
        separate();
        m_out << (flag ? "true" : "false");
    }
    // A value that another writer puts on the same stream (a run report inside a sweep).
    template <typename Write>
    void nested(Write write)
    {
        separate();
        write(m_out);
    }
    void time(std::chrono::system_clock::time_point at)
    {
        value(static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count()) /
              1000.0);
    }

private:
    void open(char bracket)
    {
        separate();
        m_out << bracket;
        m_first = true;
    }
    void close(char bracket)
    {
        m_out << bracket;
        m_first = false;
    }
    void separate()
    {
        if (m_afterKey) {
            m_afterKey = false;
            return;
        }
        if (!m_first)
            m_out << ',';
        m_first = false;
    }
    void string(std::string_view text)
    {
        m_out << '"';
        for (const char c : text) {
            switch (c) {
            case '"': m_out << "\\\""; break;
            case '\\': m_out << "\\\\"; break;
            case '\n': m_out << "\\n"; break;
            case '\r': m_out << "\\r"; break;
            case '\t': m_out << "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20)
                    m_out << "\\u" << std::hex << std::setw(4) << std::setfill('0') << int(c) << std::dec << std::setfill(' ');
                else
                    m_out << c;
            }
        }
        m_out << '"';
    }

    std::ostream &m_out;
    bool m_first = true;
    bool m_afterKey = false;
};

// A latency summary as {"count", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns", "mean_ns"}
// under `name`: the shape docs/snapshot-format.md describes.
inline void writeLatencySummary(JsonWriter &json, std::string_view name, const LatencySummary &s)
{
    json.key(name).beginObject();
    json.key("count").value(s.count);
    json.key("p50_ns").value(s.p50);
    json.key("p90_ns").value(s.p90);
    json.key("p99_ns").value(s.p99);
    json.key("p999_ns").value(s.p999);
    json.key("max_ns").value(s.max);
    json.key("mean_ns").value(s.mean);
    json.endObject();
}

} // namespace poolscope
