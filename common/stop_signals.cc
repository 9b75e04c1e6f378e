#include "common/stop_signals.h"

#include <pthread.h>

#include <csignal>

namespace bsm {

namespace {

sigset_t stopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

const char* nameOf(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "SIGTERM";
  }
}

}  // namespace

void blockStopSignals() {
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t signals = stopSignals();
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

const char* waitForSignal() {
  sigset_t signals = stopSignals();
  sigaddset(&signals, SIGHUP);
  int received = 0;
  sigwait(&signals, &received);
  return nameOf(received);
}

const char* waitForStopSignal() {
  const sigset_t signals = stopSignals();
  int received = 0;
  sigwait(&signals, &received);
  return nameOf(received);
}

}  // namespace bsm
