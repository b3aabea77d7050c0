// libFuzzer: alert rules as a user types them (the rules dialog, --alerts, a scenario's
// "alerts", the settings). A rule set that parses must write itself back as text that parses
// to the same rules; one that does not must say why.
#include "alertrules.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    std::vector<poolscope::AlertRule> rules;
    std::string error;
    if (!poolscope::parseAlertRules(text, rules, error)) {
        if (error.empty())
            __builtin_trap();
        return 0;
    }
    std::vector<poolscope::AlertRule> again;
    if (!poolscope::parseAlertRules(poolscope::alertRulesText(rules), again, error) || again != rules)
        __builtin_trap();
    return 0;
}
