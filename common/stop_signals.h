#pragma once

namespace bsm {

// For a daemon's main(): ignores SIGPIPE (a peer closing a TLS connection must not kill the
// process) and blocks SIGINT and SIGTERM, so that every thread started afterwards inherits the
// mask and only waitForStopSignal() sees them. Call before starting any thread.
void blockStopSignals();

// Waits for SIGINT or SIGTERM and returns its name.
const char* waitForStopSignal();

}  // namespace bsm
