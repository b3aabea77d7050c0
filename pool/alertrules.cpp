#include "alertrules.h"

#include "textformat.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

namespace poolscope {

namespace {

using Ns = std::chrono::nanoseconds;

// ---- the metrics a condition may name ------------------------------------------------------

enum class Unit : std::uint8_t { Count, PerSecond, Time };

struct CounterDef {
    std::string_view name;
    bool monotonic; // gets a NAME/s rate
    std::uint64_t (*read)(const PoolSnapshot &);
};

constexpr CounterDef Counters[] = {
    {"posted", true, [](const PoolSnapshot &p) -> std::uint64_t { return p.posted; }},
    {"started", true, [](const PoolSnapshot &p) -> std::uint64_t { return p.started; }},
    {"completed", true, [](const PoolSnapshot &p) -> std::uint64_t { return p.completed; }},
    {"failed", true, [](const PoolSnapshot &p) -> std::uint64_t { return p.failed; }},
    {"cancelled", true, [](const PoolSnapshot &p) -> std::uint64_t { return p.cancelled; }},
    {"rejected", true, [](const PoolSnapshot &p) -> std::uint64_t { return p.rejected; }},
    {"queued", false, [](const PoolSnapshot &p) -> std::uint64_t { return p.queued; }},
    {"in-flight", false, [](const PoolSnapshot &p) -> std::uint64_t { return p.inFlight; }},
    {"target", false, [](const PoolSnapshot &p) -> std::uint64_t { return p.targetWorkers; }},
    {"live", false, [](const PoolSnapshot &p) -> std::uint64_t { return p.liveWorkers; }},
    {"idle", false, [](const PoolSnapshot &p) -> std::uint64_t { return p.idleWorkers; }},
    {"running", false, [](const PoolSnapshot &p) -> std::uint64_t { return p.runningWorkers; }},
    {"blocked", false, [](const PoolSnapshot &p) -> std::uint64_t { return p.blockedWorkers; }},
    {"retiring", false, [](const PoolSnapshot &p) -> std::uint64_t { return p.retiringWorkers; }},
    {"concurrency", false, [](const PoolSnapshot &p) -> std::uint64_t { return p.concurrency; }},
    {"peak-queued", false, [](const PoolSnapshot &p) -> std::uint64_t { return p.peakQueued; }},
    {"peak-running", false, [](const PoolSnapshot &p) -> std::uint64_t { return p.peakRunning; }},
    {"parks", true, [](const PoolSnapshot &p) -> std::uint64_t { return p.parks; }},
    {"wakes", true, [](const PoolSnapshot &p) -> std::uint64_t { return p.wakes; }},
    {"dropped-reports", true, [](const PoolSnapshot &p) -> std::uint64_t { return p.exceptionReportsDropped; }},
};

enum class Source : std::uint8_t { Counter, DeltaRate, SamplerRate, Latency };

struct Metric {
    std::string name;
    Unit unit;
    Source source;
    int index; // into Counters; the sampler rate (0 posts, 1 completions, 2 failures); the latency
};

constexpr std::string_view LatencyFields[] = {"p50", "p90", "p99", "p999", "max", "mean"};

const std::vector<Metric> &metrics()
{
    static const std::vector<Metric> table = [] {
        std::vector<Metric> t;
        const int counters = static_cast<int>(std::size(Counters));
        for (int i = 0; i < counters; ++i)
            t.push_back({std::string(Counters[i].name), Unit::Count, Source::Counter, i});
        // The sampler's rates (taken over a floor interval: a late sample draws no spike) under
        // their counters' names and the names people say.
        const std::pair<std::string_view, int> samplerRates[] = {
            {"posted/s", 0}, {"posts/s", 0}, {"completed/s", 1}, {"completions/s", 1}, {"failed/s", 2}, {"failures/s", 2}};
        for (const auto &[name, index] : samplerRates)
            t.push_back({std::string(name), Unit::PerSecond, Source::SamplerRate, index});
        for (int i = 0; i < counters; ++i) {
            const std::string name = std::string(Counters[i].name) + "/s";
            if (Counters[i].monotonic && std::none_of(t.begin(), t.end(), [&](const Metric &m) { return m.name == name; }))
                t.push_back({name, Unit::PerSecond, Source::DeltaRate, i});
        }
        for (int side = 0; side < 2; ++side)
            for (int f = 0; f < static_cast<int>(std::size(LatencyFields)); ++f)
                t.push_back({std::string(side == 0 ? "wait." : "service.") + std::string(LatencyFields[f]), Unit::Time,
                             Source::Latency, side * 8 + f});
        return t;
    }();
    return table;
}

int findMetric(std::string_view name)
{
    const std::vector<Metric> &t = metrics();
    for (std::size_t i = 0; i < t.size(); ++i)
        if (t[i].name == name)
            return static_cast<int>(i);
    return -1;
}

double latencyField(const LatencySummary &s, int field)
{
    switch (field) {
    case 0: return static_cast<double>(s.p50);
    case 1: return static_cast<double>(s.p90);
    case 2: return static_cast<double>(s.p99);
    case 3: return static_cast<double>(s.p999);
    case 4: return static_cast<double>(s.max);
    default: return s.mean;
    }
}

double valueOf(int metric, const Sample &sample, const Sample *previous)
{
    const Metric &m = metrics()[static_cast<std::size_t>(metric)];
    switch (m.source) {
    case Source::Counter: return static_cast<double>(Counters[m.index].read(sample.pool));
    case Source::SamplerRate:
        return m.index == 0 ? sample.postsPerSecond : m.index == 1 ? sample.completionsPerSecond : sample.failuresPerSecond;
    case Source::DeltaRate: {
        if (!previous || sample.pool.timestampNs <= previous->pool.timestampNs)
            return 0;
        const std::uint64_t now = Counters[m.index].read(sample.pool), before = Counters[m.index].read(previous->pool);
        const double seconds = static_cast<double>(sample.pool.timestampNs - previous->pool.timestampNs) / 1e9;
        return now >= before ? static_cast<double>(now - before) / seconds : 0; // a new pool: no negative rate
    }
    case Source::Latency: return latencyField(m.index < 8 ? sample.queueWait : sample.serviceTime, m.index % 8);
    }
    return 0;
}

std::string formatValue(Unit unit, double value)
{
    switch (unit) {
    case Unit::Count: return formatCount(value);
    case Unit::PerSecond: return value < 1000 && value != std::floor(value) ? formatCount(value) + "/s" : formatRate(value);
    case Unit::Time: return formatNanoseconds(std::max(0.0, value));
    }
    return formatCount(value);
}

std::string_view comparisonText(AlertComparison c)
{
    switch (c) {
    case AlertComparison::Greater: return ">";
    case AlertComparison::GreaterOrEqual: return ">=";
    case AlertComparison::Less: return "<";
    case AlertComparison::LessOrEqual: return "<=";
    case AlertComparison::Equal: return "==";
    case AlertComparison::NotEqual: return "!=";
    }
    return ">";
}

bool compare(double left, AlertComparison c, double right)
{
    switch (c) {
    case AlertComparison::Greater: return left > right;
    case AlertComparison::GreaterOrEqual: return left >= right;
    case AlertComparison::Less: return left < right;
    case AlertComparison::LessOrEqual: return left <= right;
    case AlertComparison::Equal: return left == right;
    case AlertComparison::NotEqual: return left != right;
    }
    return false;
}

// The shortest text that reads back as the same double, without an exponent (the rule syntax
// has none): "1000.5", "0.1".
std::string plainNumber(double value)
{
    char buffer[512]; // the longest fixed form of a double is ~330 characters
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
    return ec == std::errc() ? std::string(buffer, end) : std::string("0");
}

// "50ms", "5s", "1500us": the largest unit that keeps the value whole; nanoseconds otherwise.
std::string timeText(double nanoseconds)
{
    static constexpr std::pair<const char *, double> units[] = {{"h", 3600e9}, {"m", 60e9}, {"s", 1e9}, {"ms", 1e6}, {"us", 1e3}};
    for (const auto &[suffix, scale] : units) {
        const double v = nanoseconds / scale;
        if (v >= 1 && v == std::floor(v) && v * scale == nanoseconds)
            return plainNumber(v) + suffix;
    }
    return plainNumber(nanoseconds) + "ns";
}

// ---- the parser ----------------------------------------------------------------------------

struct Token {
    enum Kind : std::uint8_t { Word, Number, Operator, End } kind = End;
    std::string_view text;   // as written
    double value = 0;         // Number: the digits' value
    std::string_view unit;    // Number: a unit written right after it ("5s") or as the next word
};

bool isWordStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isWordChar(char c) { return isWordStart(c) || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '/'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

constexpr std::pair<std::string_view, double> TimeUnits[] = {
    {"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"sec", 1e9}, {"m", 60e9}, {"min", 60e9}, {"h", 3600e9}};

std::optional<double> timeScale(std::string_view unit)
{
    for (const auto &[name, scale] : TimeUnits)
        if (unit == name)
            return scale;
    return std::nullopt;
}

class Lexer {
public:
    explicit Lexer(std::string_view text) : m_text(text) {}

    // False with `error` for a character or number it cannot read.
    bool next(Token &token, std::string &error)
    {
        while (m_at < m_text.size() && isSpace(m_text[m_at]))
            ++m_at;
        token = {};
        if (m_at == m_text.size())
            return true;
        const std::size_t start = m_at;
        const char c = m_text[m_at];
        if (c == '<' || c == '>' || c == '=' || c == '!') {
            ++m_at;
            if (m_at < m_text.size() && m_text[m_at] == '=')
                ++m_at;
            token.kind = Token::Operator;
            token.text = m_text.substr(start, m_at - start);
            return true;
        }
        if (isWordStart(c)) {
            while (m_at < m_text.size() && isWordChar(m_text[m_at]))
                ++m_at;
            token.kind = Token::Word;
            token.text = m_text.substr(start, m_at - start);
            return true;
        }
        if (isDigit(c) || c == '.') {
            std::string digits;
            while (m_at < m_text.size() && (isDigit(m_text[m_at]) || m_text[m_at] == '.' || m_text[m_at] == ',' || m_text[m_at] == '_')) {
                const char d = m_text[m_at];
                if (d == ',' || d == '_') {
                    // A separator only between digits: "10,000", not "10," nor "1,,0".
                    if (digits.empty() || !isDigit(digits.back()) || m_at + 1 >= m_text.size() || !isDigit(m_text[m_at + 1])) {
                        error = "'" + std::string(m_text.substr(start, m_at + 1 - start)) + "' is not a number";
                        return false;
                    }
                } else {
                    digits.push_back(d);
                }
                ++m_at;
            }
            double value = 0;
            const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
            if (ec != std::errc() || end != digits.data() + digits.size() || !std::isfinite(value) || value > 1e18) {
                error = "'" + std::string(m_text.substr(start, m_at - start)) + "' is not a number (0..1e18)";
                return false;
            }
            token.kind = Token::Number;
            token.value = value;
            const std::size_t unitStart = m_at;
            while (m_at < m_text.size() && isWordStart(m_text[m_at]))
                ++m_at;
            token.unit = m_text.substr(unitStart, m_at - unitStart);
            if (m_at < m_text.size() && !isSpace(m_text[m_at]) && !isWordStart(m_text[m_at]) && m_text[m_at] != '<' &&
                m_text[m_at] != '>' && m_text[m_at] != '=' && m_text[m_at] != '!') {
                error = "unexpected '" + std::string(1, m_text[m_at]) + "' after '" + std::string(m_text.substr(start, m_at - start)) + "'";
                return false;
            }
            // "5 s": a unit written as the next word.
            if (token.unit.empty()) {
                std::size_t look = m_at;
                while (look < m_text.size() && isSpace(m_text[look]))
                    ++look;
                std::size_t wordEnd = look;
                while (wordEnd < m_text.size() && isWordChar(m_text[wordEnd]))
                    ++wordEnd;
                if (wordEnd > look && timeScale(m_text.substr(look, wordEnd - look))) {
                    token.unit = m_text.substr(look, wordEnd - look);
                    m_at = wordEnd;
                }
            }
            token.text = m_text.substr(start, m_at - start);
            return true;
        }
        error = "unexpected '" + std::string(1, c) + "'";
        return false;
    }

private:
    std::string_view m_text;
    std::size_t m_at = 0;
};

std::optional<AlertComparison> parseComparison(std::string_view text)
{
    if (text == ">") return AlertComparison::Greater;
    if (text == ">=") return AlertComparison::GreaterOrEqual;
    if (text == "<") return AlertComparison::Less;
    if (text == "<=") return AlertComparison::LessOrEqual;
    if (text == "==" || text == "=") return AlertComparison::Equal;
    if (text == "!=") return AlertComparison::NotEqual;
    return std::nullopt;
}

std::string unitName(Unit unit)
{
    switch (unit) {
    case Unit::Count: return "a count";
    case Unit::PerSecond: return "a rate";
    case Unit::Time: return "a time";
    }
    return "a count";
}

std::string metricList()
{
    std::string list;
    for (const std::string &name : alertMetricNames())
        list += (list.empty() ? "" : ", ") + name;
    return list;
}

// The rule's body after "NAME:". False with an error (without the rule's name: the caller adds it).
bool parseBody(std::string_view body, AlertRule &rule, std::string &error)
{
    Lexer lexer(body);
    std::vector<Token> tokens;
    for (;;) {
        Token token;
        if (!lexer.next(token, error))
            return false;
        if (token.kind == Token::End)
            break;
        if (tokens.size() >= 64) {
            error = "too long (at most " + std::to_string(AlertRule::MaxConditions) + " conditions)";
            return false;
        }
        tokens.push_back(token);
    }
    std::size_t at = 0;
    const auto peek = [&]() -> const Token * { return at < tokens.size() ? &tokens[at] : nullptr; };
    const auto isKeyword = [&](std::string_view word) {
        const Token *t = peek();
        return t && t->kind == Token::Word && t->text == word;
    };

    const auto duration = [&](std::string_view keyword, std::chrono::milliseconds &out) {
        ++at;
        const Token *t = peek();
        if (!t || t->kind != Token::Number || t->unit.empty()) {
            error = "'" + std::string(keyword) + "' takes a duration with a unit, e.g. " + std::string(keyword) + " 5s";
            return false;
        }
        const std::optional<double> scale = timeScale(t->unit);
        if (!scale) {
            error = "'" + std::string(t->text) + "': unknown unit '" + std::string(t->unit) + "' (ns, us, ms, s, m, h)";
            return false;
        }
        const double ms = t->value * *scale / 1e6;
        if (ms > 86'400'000.0 || ms != std::floor(ms)) {
            error = "'" + std::string(keyword) + " " + std::string(t->text) + "' must be whole milliseconds up to 24 h";
            return false;
        }
        out = std::chrono::milliseconds(static_cast<std::int64_t>(ms));
        ++at;
        return true;
    };

    rule.conditions.clear();
    for (;;) {
        const Token *t = peek();
        if (!t) {
            error = rule.conditions.empty() ? std::string("no condition (e.g. queued > 10000)") : "a condition must follow 'and'";
            return false;
        }
        if (t->kind != Token::Word) {
            error = "a condition starts with a metric, not '" + std::string(t->text) + "'";
            return false;
        }
        AlertCondition condition;
        condition.left.metric = findMetric(t->text);
        if (condition.left.metric < 0) {
            error = "unknown metric '" + std::string(t->text) + "' (the metrics are: " + metricList() + ")";
            return false;
        }
        const Metric &left = metrics()[static_cast<std::size_t>(condition.left.metric)];
        ++at;
        t = peek();
        std::optional<AlertComparison> comparison;
        if (t && t->kind == Token::Operator)
            comparison = parseComparison(t->text);
        if (!comparison) {
            error = "'" + left.name + "' must be followed by a comparison (> >= < <= == !=)" +
                    (t ? ", not '" + std::string(t->text) + "'" : std::string());
            return false;
        }
        condition.comparison = *comparison;
        ++at;
        t = peek();
        if (!t || t->kind == Token::Operator) {
            error = "'" + left.name + " " + std::string(comparisonText(*comparison)) + "' needs a number or a metric to compare with";
            return false;
        }
        if (t->kind == Token::Word) {
            condition.right.metric = findMetric(t->text);
            if (condition.right.metric < 0) {
                error = "unknown metric '" + std::string(t->text) + "' (the metrics are: " + metricList() + ")";
                return false;
            }
            const Metric &right = metrics()[static_cast<std::size_t>(condition.right.metric)];
            if (right.unit != left.unit) {
                error = "'" + left.name + "' is " + unitName(left.unit) + " and '" + right.name + "' is " + unitName(right.unit) +
                        ": they do not compare";
                return false;
            }
        } else if (left.unit == Unit::Time) {
            const std::optional<double> scale = timeScale(t->unit);
            if (t->unit.empty() || !scale) {
                error = "'" + left.name + "' is a time: give '" + std::string(t->text) + "' a unit (ns, us, ms, s, m, h), e.g. 50ms";
                return false;
            }
            condition.right.constant = t->value * *scale;
            if (condition.right.constant > 1e18) {
                error = "'" + std::string(t->text) + "' is too long a time (at most 1e18 ns, 31 years)";
                return false;
            }
        } else {
            if (!t->unit.empty()) {
                error = "'" + left.name + "' is " + unitName(left.unit) + ": '" + std::string(t->text) + "' must be a plain number";
                return false;
            }
            condition.right.constant = t->value;
        }
        ++at;
        if (rule.conditions.size() >= AlertRule::MaxConditions) {
            error = "at most " + std::to_string(AlertRule::MaxConditions) + " conditions";
            return false;
        }
        rule.conditions.push_back(condition);
        if (!isKeyword("and"))
            break;
        ++at;
    }

    bool sawFor = false, sawSilence = false;
    rule.duration = rule.silence = std::chrono::milliseconds(0);
    while (const Token *t = peek()) {
        if (isKeyword("for") && !sawFor) {
            sawFor = true;
            if (!duration("for", rule.duration))
                return false;
        } else if (isKeyword("silence") && !sawSilence) {
            sawSilence = true;
            if (!duration("silence", rule.silence))
                return false;
        } else {
            error = "unexpected '" + std::string(t->text) + "' (after the conditions: 'and', 'for DURATION', 'silence DURATION')";
            return false;
        }
    }
    return true;
}

std::string_view trimmed(std::string_view text)
{
    while (!text.empty() && isSpace(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && isSpace(text.back()))
        text.remove_suffix(1);
    return text;
}

std::string quoted(std::string_view text)
{
    constexpr std::size_t Shown = 60;
    std::string out;
    for (char c : text.substr(0, Shown))
        out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
    return "'" + out + (text.size() > Shown ? "...'" : "'");
}

} // namespace

std::string AlertRule::text() const
{
    std::string out = name + ":";
    for (std::size_t i = 0; i < conditions.size(); ++i) {
        const AlertCondition &c = conditions[i];
        const Metric &left = metrics()[static_cast<std::size_t>(c.left.metric)];
        out += (i ? " and " : " ") + left.name + " " + std::string(comparisonText(c.comparison)) + " ";
        if (c.right.metric >= 0)
            out += metrics()[static_cast<std::size_t>(c.right.metric)].name;
        else
            out += left.unit == Unit::Time ? timeText(c.right.constant) : plainNumber(c.right.constant);
    }
    if (duration.count() > 0)
        out += " for " + timeText(static_cast<double>(Ns(duration).count()));
    if (silence.count() > 0)
        out += " silence " + timeText(static_cast<double>(Ns(silence).count()));
    return out;
}

bool parseAlertRule(std::string_view text, AlertRule &rule, std::string &error)
{
    text = trimmed(text);
    const std::size_t colon = text.find(':');
    const std::string_view name = trimmed(text.substr(0, colon == std::string_view::npos ? 0 : colon));
    const bool nameOk = !name.empty() && name.size() <= AlertRule::MaxNameLength &&
                        std::all_of(name.begin(), name.end(), [](char c) { return isWordChar(c) && c != '/'; });
    if (colon == std::string_view::npos || !nameOk) {
        error = "rule " + quoted(text) + ": a rule starts with its name (letters, digits, '-', '_', '.'; at most " +
                std::to_string(AlertRule::MaxNameLength) + ") and a colon, e.g. 'deep-queue: queued > 10000 for 5s'";
        return false;
    }
    AlertRule parsed;
    parsed.name = std::string(name);
    std::string why;
    if (!parseBody(text.substr(colon + 1), parsed, why)) {
        error = "rule '" + parsed.name + "': " + why;
        return false;
    }
    rule = std::move(parsed);
    return true;
}

bool parseAlertRules(std::string_view text, std::vector<AlertRule> &rules, std::string &error)
{
    std::vector<AlertRule> parsed;
    std::set<std::string> names;
    while (!text.empty()) {
        const std::size_t end = text.find_first_of("\n;");
        const std::string_view line = trimmed(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (line.empty() || line.front() == '#')
            continue;
        if (parsed.size() == MaxAlertRules) {
            error = "at most " + std::to_string(MaxAlertRules) + " alert rules";
            return false;
        }
        AlertRule rule;
        if (!parseAlertRule(line, rule, error))
            return false;
        if (!names.insert(rule.name).second) {
            error = "rule '" + rule.name + "': a second rule of that name";
            return false;
        }
        parsed.push_back(std::move(rule));
    }
    rules = std::move(parsed);
    return true;
}

std::string alertRulesText(const std::vector<AlertRule> &rules)
{
    std::string out;
    for (const AlertRule &rule : rules)
        out += rule.text() + "\n";
    return out;
}

std::vector<std::string> alertMetricNames()
{
    std::vector<std::string> names;
    for (const Metric &m : metrics())
        names.push_back(m.name);
    return names;
}

std::string_view nameOf(AlertEventKind kind) noexcept
{
    return kind == AlertEventKind::Fired ? "fired" : "cleared";
}

AlertEvaluator::AlertEvaluator(std::vector<AlertRule> rules) { setRules(std::move(rules)); }

void AlertEvaluator::setRules(std::vector<AlertRule> rules)
{
    m_rules = std::move(rules);
    m_tracking.assign(m_rules.size(), Tracking{});
}

void AlertEvaluator::reset()
{
    m_tracking.assign(m_rules.size(), Tracking{});
    m_previous.reset();
}

void AlertEvaluator::observe(const Sample &sample, std::vector<AlertEvent> &events)
{
    const std::uint64_t now = sample.pool.timestampNs;
    const Sample *previous = m_previous ? &*m_previous : nullptr;
    for (std::size_t i = 0; i < m_rules.size(); ++i) {
        const AlertRule &rule = m_rules[i];
        Tracking &t = m_tracking[i];
        bool holds = !rule.conditions.empty();
        std::string values;
        for (const AlertCondition &c : rule.conditions) {
            const double left = valueOf(c.left.metric, sample, previous);
            const double right = c.right.metric >= 0 ? valueOf(c.right.metric, sample, previous) : c.right.constant;
            const Unit unit = metrics()[static_cast<std::size_t>(c.left.metric)].unit;
            values += (values.empty() ? "" : " and ") + metrics()[static_cast<std::size_t>(c.left.metric)].name + " " +
                      formatValue(unit, left) + " " + std::string(comparisonText(c.comparison)) + " " +
                      (c.right.metric >= 0 ? metrics()[static_cast<std::size_t>(c.right.metric)].name + " " : std::string()) +
                      formatValue(unit, right);
            holds = holds && compare(left, c.comparison, right);
        }
        if (!holds) {
            t.trueSinceNs.reset();
            if (t.firing) {
                t.firing = false;
                t.lastChangeNs = now;
                events.push_back({now, rule.name, AlertEventKind::Cleared, false,
                                  "cleared after " + formatNanoseconds(static_cast<double>(now - t.firedAtNs))});
            }
            continue;
        }
        if (!t.trueSinceNs)
            t.trueSinceNs = now;
        const auto durationNs = static_cast<std::uint64_t>(Ns(rule.duration).count());
        if (t.firing || now - *t.trueSinceNs < durationNs)
            continue;
        t.firing = true;
        t.firedAtNs = t.lastChangeNs = now;
        ++t.fires;
        const auto silenceNs = static_cast<std::uint64_t>(Ns(rule.silence).count());
        const bool notify = !t.notifiedAtNs || now - *t.notifiedAtNs >= silenceNs;
        if (notify)
            t.notifiedAtNs = now;
        if (rule.duration.count() > 0)
            values += " for " + formatNanoseconds(static_cast<double>(now - *t.trueSinceNs));
        events.push_back({now, rule.name, AlertEventKind::Fired, notify, values});
    }
    m_previous = sample;
}

std::vector<AlertRuleState> AlertEvaluator::states() const
{
    std::vector<AlertRuleState> out;
    out.reserve(m_rules.size());
    for (std::size_t i = 0; i < m_rules.size(); ++i)
        out.push_back({m_rules[i].name, m_tracking[i].firing, m_tracking[i].fires, m_tracking[i].lastChangeNs});
    return out;
}

} // namespace poolscope
