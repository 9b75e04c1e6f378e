// check_bsm: a Nagios-compatible plugin that exits with a business service's state as
// bsm-server sees it.
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "tools/check_bsm_command.h"

namespace {

// What the hard timeout prints, formatted before the timer is armed: the handler may only make
// async-signal-safe calls.
std::string hard_timeout_text;
int hard_timeout_exit_code = 3;

// cpp-httplib's timeouts cover connecting and each read, not name resolution or a server that
// trickles its answer byte by byte; this bounds the whole run, as plugins' alarm() does.
constexpr long kHardTimeoutGraceMs = 500;

void onHardTimeout(int) {
  const char* data = hard_timeout_text.data();
  size_t left = hard_timeout_text.size();
  while (left > 0) {
    const ssize_t written = ::write(STDOUT_FILENO, data, left);
    if (written <= 0) {
      break;
    }
    data += written;
    left -= static_cast<size_t>(written);
  }
  ::_exit(hard_timeout_exit_code);
}

void setTimer(long ms) {
  itimerval timer{};
  timer.it_value.tv_sec = ms / 1000;
  timer.it_value.tv_usec = (ms % 1000) * 1000;
  ::setitimer(ITIMER_REAL, &timer, nullptr);
}

void print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  using bsm::tools::CheckBsmCommand;

  const CheckBsmCommand::Parsed parsed = CheckBsmCommand::parse(argc, argv);
  if (!parsed.options) {
    print(parsed.outcome.out);
    return parsed.outcome.exit_code;
  }

  const bsm::tools::CheckBsmOutcome timed_out = CheckBsmCommand::timedOut(*parsed.options);
  hard_timeout_text = timed_out.out;
  hard_timeout_exit_code = timed_out.exit_code;
  struct sigaction action {};
  action.sa_handler = onHardTimeout;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGALRM, &action, nullptr);
  setTimer(static_cast<long>(parsed.options->timeout().count()) + kHardTimeoutGraceMs);

  const bsm::tools::CheckBsmOutcome outcome = CheckBsmCommand::execute(*parsed.options);

  // Disarmed before printing, so that the two outputs can never mix.
  setTimer(0);
  print(outcome.out);
  return outcome.exit_code;
}
