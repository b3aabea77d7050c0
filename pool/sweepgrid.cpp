#include "sweepgrid.h"

#include <algorithm>
#include <charconv>

namespace poolscope {

namespace {

struct Axis {
    std::string_view name;
    unsigned low, high;
    std::vector<unsigned> *values;
    bool seen = false;
};

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// A whole number of at most 9 digits: anything longer is out of every range anyway, and
// refusing it here keeps the arithmetic below from overflowing.
bool parseNumber(std::string_view text, unsigned &value)
{
    if (text.empty() || text.size() > 9 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return true;
}

// One item of an axis ("8", "1..32", "2..8:2") appended to `axis.values`.
bool parseItem(std::string_view item, Axis &axis, std::string &error)
{
    const std::string where = "sweep grid: " + quoted(std::string(axis.name) + "=" + std::string(item)) + ": ";
    const auto number = [&](std::string_view text, unsigned &value) {
        if (!parseNumber(text, value)) {
            error = where + (text.empty() ? std::string("a number is missing") : quoted(text) + " is not a whole number");
            return false;
        }
        if (value < axis.low || value > axis.high) {
            error = where + std::string(axis.name) + " must be " + std::to_string(axis.low) + ".." + std::to_string(axis.high) +
                    " (got " + std::string(text) + ")";
            return false;
        }
        return true;
    };

    const std::size_t dots = item.find("..");
    if (dots == std::string_view::npos) {
        unsigned value = 0;
        if (!number(item, value))
            return false;
        axis.values->push_back(value);
        return true;
    }
    std::string_view upperText = item.substr(dots + 2);
    std::string_view stepText;
    const std::size_t colon = upperText.find(':');
    if (colon != std::string_view::npos) {
        stepText = upperText.substr(colon + 1);
        upperText = upperText.substr(0, colon);
    }
    unsigned low = 0, high = 0;
    if (!number(item.substr(0, dots), low) || !number(upperText, high))
        return false;
    if (low > high) {
        error = where + "the range runs backwards (write the smaller value first)";
        return false;
    }
    if (colon != std::string_view::npos) {
        unsigned step = 0;
        if (!parseNumber(stepText, step) || step == 0) {
            error = where + "the step " + quoted(stepText) + " must be a whole number of at least 1";
            return false;
        }
        for (unsigned value = low; value <= high; value += step)
            axis.values->push_back(value);
        return true;
    }
    unsigned value = low;
    if (value == 0) {
        axis.values->push_back(0);
        value = 1;
    }
    for (; value < high; value *= 2)
        axis.values->push_back(value);
    axis.values->push_back(high);
    return true;
}

} // namespace

std::string SweepGrid::text() const
{
    std::string out;
    for (const auto &[name, values] : {std::pair{"workers", &workers}, std::pair{"concurrency", &concurrency}}) {
        out += out.empty() ? "" : ",";
        out += name;
        out += '=';
        for (std::size_t i = 0; i < values->size(); ++i)
            out += (i ? "," : "") + std::to_string((*values)[i]);
    }
    return out;
}

bool parseSweepGrid(std::string_view text, unsigned defaultWorkers, unsigned defaultConcurrency, SweepGrid &grid,
                    std::string &error)
{
    std::string compact;
    for (const char c : text)
        if (c != ' ' && c != '\t')
            compact += c;
    if (compact.empty()) {
        error = "sweep grid: empty (e.g. workers=1..32,concurrency=0,2,4)";
        return false;
    }

    SweepGrid parsed;
    Axis axes[] = {{"workers", 1, SweepGrid::MaxWorkers, &parsed.workers},
                   {"concurrency", 0, SweepGrid::MaxConcurrency, &parsed.concurrency}};
    Axis *current = nullptr;
    std::string_view rest = compact;
    for (;;) {
        const std::size_t comma = rest.find(',');
        std::string_view token = rest.substr(0, comma);
        if (const std::size_t equals = token.find('='); equals != std::string_view::npos) {
            const std::string_view name = token.substr(0, equals);
            const auto axis = std::find_if(std::begin(axes), std::end(axes), [name](const Axis &a) { return a.name == name; });
            if (axis == std::end(axes)) {
                error = "sweep grid: unknown axis " + quoted(name) + " (the axes are workers and concurrency)";
                return false;
            }
            if (axis->seen) {
                error = "sweep grid: " + quoted(name) + " is given twice";
                return false;
            }
            axis->seen = true;
            current = &*axis;
            token = token.substr(equals + 1);
        } else if (!current) {
            error = "sweep grid: " + quoted(token) + " comes before any 'workers=' or 'concurrency='";
            return false;
        }
        if (token.empty()) {
            error = "sweep grid: " + quoted(std::string(current->name) + "=") + " has an empty value (two commas, or one at the end?)";
            return false;
        }
        if (!parseItem(token, *current, error))
            return false;
        if (comma == std::string_view::npos)
            break;
        rest = rest.substr(comma + 1);
    }

    if (!axes[0].seen)
        parsed.workers = {defaultWorkers};
    if (!axes[1].seen)
        parsed.concurrency = {defaultConcurrency};
    for (std::vector<unsigned> *values : {&parsed.workers, &parsed.concurrency}) {
        std::sort(values->begin(), values->end());
        values->erase(std::unique(values->begin(), values->end()), values->end());
    }
    if (parsed.workers.front() == 0) { // only a default can bring it here
        error = "sweep grid: workers must be 1.." + std::to_string(SweepGrid::MaxWorkers) +
                " (the configured pool has 0 workers: give workers=...)";
        return false;
    }
    if (parsed.pointCount() > SweepGrid::MaxPoints) {
        error = "sweep grid: " + std::to_string(parsed.workers.size()) + " worker counts x " +
                std::to_string(parsed.concurrency.size()) + " limits = " + std::to_string(parsed.pointCount()) +
                " points, at most " + std::to_string(SweepGrid::MaxPoints);
        return false;
    }
    grid = std::move(parsed);
    return true;
}

} // namespace poolscope
