#pragma once

namespace bsm {

// For a daemon's main(): ignores SIGPIPE (a peer closing a TLS connection must not kill the
// process) and blocks SIGINT, SIGTERM and SIGHUP, so that every thread started afterwards
// inherits the mask and only the wait functions below see them. Call before starting any thread.
void blockStopSignals();

// Waits for SIGINT or SIGTERM and returns its name. A SIGHUP stays blocked and does nothing.
const char* waitForStopSignal();

// Waits for SIGINT, SIGTERM or SIGHUP and returns its name, for a daemon that reloads on SIGHUP.
const char* waitForSignal();

}  // namespace bsm
