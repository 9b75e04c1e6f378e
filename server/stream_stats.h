#pragma once

#include <atomic>
#include <cstdint>

namespace bsm::server {

// Counters of the agent stream, bumped beside each log line they correspond to so that a
// misbehaving fleet shows up in metrics even when logs are rate-limited.
struct StreamStats {
  std::atomic<uint64_t> sessions_accepted{0};
  std::atomic<uint64_t> sessions_active{0};
  std::atomic<uint64_t> handshake_failures{0};
  std::atomic<uint64_t> protocol_errors{0};
  std::atomic<uint64_t> frames_received{0};
  std::atomic<uint64_t> batches_applied{0};
  std::atomic<uint64_t> batches_duplicate{0};
  std::atomic<uint64_t> samples_applied{0};
  std::atomic<uint64_t> checks_applied{0};
  // Values dropped because the server refused their series (limits), not the session.
  std::atomic<uint64_t> values_refused{0};
  // Values stamped too far ahead of the server's clock, taken as stamped on arrival.
  std::atomic<uint64_t> timestamps_clamped{0};
  // Connections closed at accept because max_sessions were open.
  std::atomic<uint64_t> sessions_refused{0};
};

}  // namespace bsm::server
