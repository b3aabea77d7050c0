#include "textformat.h"

#include <cmath>
#include <cstdio>

namespace poolscope {

namespace {
std::string printf1(const char *format, double value)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, format, value);
    return buffer;
}
} // namespace

std::string formatRate(double perSecond)
{
    if (!(perSecond >= 0) || !std::isfinite(perSecond))
        return "0/s";
    if (perSecond >= 999'500)
        return printf1("%.2fM/s", perSecond / 1e6);
    if (perSecond >= 999.5)
        return printf1("%.1fk/s", perSecond / 1e3);
    return printf1("%.0f/s", perSecond);
}

std::string formatNanoseconds(double ns)
{
    if (ns >= 1e9)
        return printf1("%.2f s", ns / 1e9);
    if (ns >= 1e6)
        return printf1("%.2f ms", ns / 1e6);
    if (ns >= 1e3)
        return printf1("%.1f µs", ns / 1e3);
    return printf1("%.0f ns", ns);
}

std::string formatCount(double value)
{
    if (!std::isfinite(value))
        return printf1("%g", value);
    if (value != std::floor(value) || std::abs(value) >= 1e18)
        return printf1("%.3g", value);
    std::string digits = printf1("%.0f", std::abs(value));
    for (std::ptrdiff_t at = static_cast<std::ptrdiff_t>(digits.size()) - 3; at > 0; at -= 3)
        digits.insert(static_cast<std::size_t>(at), 1, ',');
    return value < 0 ? "-" + digits : digits;
}

} // namespace poolscope
