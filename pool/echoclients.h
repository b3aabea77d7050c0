#pragma once
// The client side of the echo load: connections to a loopback echo server, each with one
// message in flight, driven from one thread over epoll. It knows nothing of the port, so
// the same clients measure IoService's echo server and any other (the benchmark's epoll
// and Asio servers).

#include "latencyhistogram.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace poolscope {

struct EchoClientOptions {
    std::uint16_t port = 0;                 // on 127.0.0.1
    unsigned connections = 1;               // 1..4096
    std::uint32_t messageBytes = 64;        // 1..1 MiB
    double messagesPerSecond = 0;           // over all connections; 0 = as fast as possible
    std::chrono::nanoseconds thinkTime{0};  // pause after an echo before the next message
    std::uint64_t messagesPerConnection = 0; // stop after this many echoes each; 0 = no limit
    std::chrono::nanoseconds duration{std::chrono::seconds(10)}; // the run's bound, always
};

// What the clients saw. Byte counts are exact: every byte sent and every byte that came
// back, whole messages or not.
struct EchoClientResult {
    std::uint64_t connected = 0;
    std::uint64_t connectFailures = 0; // refused, or no answer within the connect timeout
    std::uint64_t messagesSent = 0;
    std::uint64_t messagesEchoed = 0;  // complete and equal to what was sent
    std::uint64_t bytesSent = 0;
    std::uint64_t bytesReceived = 0;
    std::uint64_t mismatches = 0;      // echoes that differ from the message (connection dropped)
    std::uint64_t resets = 0;          // connections ended by a reset or a broken pipe
    std::uint64_t earlyCloses = 0;     // connections the server closed mid-run
    std::uint64_t otherErrors = 0;
    LatencyHistogram roundTrip;        // first byte sent to last byte back, ns
    std::chrono::nanoseconds elapsed{0};
    std::string error;                 // set when the run could not start at all (e.g. no epoll)

    double messagesPerSecond() const noexcept
    {
        return elapsed.count() > 0 ? static_cast<double>(messagesEchoed) * 1e9 / static_cast<double>(elapsed.count()) : 0;
    }
};

// Runs the clients on the calling thread until every connection has done its
// messagesPerConnection, the duration passes, or `stop` becomes true (checked at least
// every 10 ms); then closes every connection. Never throws for network errors: they are
// counted. Invalid options are reported in `error`. Thread-safe (each call is independent).
EchoClientResult runEchoClients(const EchoClientOptions &options, const std::atomic<bool> *stop = nullptr);

} // namespace poolscope
