#pragma once
// The one wording of a setting that is out of range, shared by every validate() in pool/:
// "producers must be 1..8 (got 9)". Thread-safe (a pure function).

#include <sstream>
#include <string>

namespace poolscope {

template <typename T>
std::string outOfRange(const char *field, const char *range, T value)
{
    std::ostringstream text;
    text << field << " must be " << range << " (got " << value << ")";
    return text.str();
}

} // namespace poolscope
