#include "exceptionreport.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <typeinfo>

namespace poolscope {

namespace {

std::string demangle(const char *mangled)
{
    if (mangled == nullptr)
        return "unknown";
    int status = 0;
    std::unique_ptr<char, decltype(&std::free)> readable(abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                                         &std::free);
    return status == 0 && readable ? std::string(readable.get()) : std::string(mangled);
}

} // namespace

void describeCurrentException(std::string &typeName, std::string &message)
{
    // The dynamic type first: for a std::exception subclass it names the subclass.
    typeName = demangle(abi::__cxa_current_exception_type() ? abi::__cxa_current_exception_type()->name()
                                                             : nullptr);
    try {
        throw;
    } catch (const std::exception &exception) {
        message = exception.what();
    } catch (const std::string &text) {
        message = text;
    } catch (const char *text) {
        message = text ? text : "";
    } catch (int value) {
        message = std::to_string(value);
    } catch (long value) {
        message = std::to_string(value);
    } catch (long long value) {
        message = std::to_string(value);
    } catch (unsigned value) {
        message = std::to_string(value);
    } catch (unsigned long value) {
        message = std::to_string(value);
    } catch (double value) {
        message = std::to_string(value);
    } catch (...) {
        message = "(a " + typeName + " carries no message)";
    }
}

} // namespace poolscope
