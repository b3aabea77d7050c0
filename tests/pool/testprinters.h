#pragma once
// Lets QCOMPARE print the pool's enums by name.

#include "completionpacket.h"
#include "exceptionreport.h"
#include "poolsnapshot.h"

#include <QTest>

#include <string>

namespace QTest {
template <>
inline char *toString(const poolscope::DequeueOutcome &outcome)
{
    return qstrdup(std::string(poolscope::nameOf(outcome)).c_str());
}
template <>
inline char *toString(const poolscope::ExceptionPolicy &policy)
{
    return qstrdup(std::string(poolscope::nameOf(policy)).c_str());
}
template <>
inline char *toString(const poolscope::PoolState &state)
{
    return qstrdup(std::string(poolscope::nameOf(state)).c_str());
}
} // namespace QTest
