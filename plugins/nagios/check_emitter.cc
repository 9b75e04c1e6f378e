#include "plugins/nagios/check_emitter.h"

#include "common/log_rate_limiter.h"
#include "common/logging.h"

namespace bsm::plugins::nagios {

namespace {

// Bad perfdata comes back every interval from the same plugin; a few lines a minute say what
// is wrong without filling the disk.
LogRateLimiter& perfdataProblemLog() {
  static LogRateLimiter limiter(20, std::chrono::minutes(1));
  return limiter;
}

// The check result's output: the first line, bsm's own remark beside it (the plugin's words
// stay visible), then the long output. Perfdata is left out: it becomes samples.
std::string resultText(const CheckRun& run, const PluginOutput& parsed) {
  std::string text = parsed.text;
  if (!run.note.empty()) {
    text = text.empty() ? run.note : text + " (" + run.note + ")";
  }
  if (!parsed.long_text.empty()) {
    text += "\n" + parsed.long_text;
  }
  return text;
}

}  // namespace

void emitCheckRun(const CheckRun& run, Emitter& out) {
  PluginOutput parsed = parsePluginOutput(run.output);

  for (const auto& problem : parsed.problems) {
    if (uint64_t skipped = 0; perfdataProblemLog().allow(skipped)) {
      logging::get("plugin.nagios")
          ->warn("host={} check={} perfdata problem: {} ({} similar lines withheld)", run.host,
                 run.check, problem, skipped);
    }
  }

  CheckResult result;
  result.host = run.host;
  result.name = run.check;
  result.state = run.state;
  result.output = resultText(run, parsed);
  result.ts_ms = run.ts_ms;
  out.emit(std::move(result));

  for (auto& perf : parsed.perfdata) {
    if (!perf.value) {
      continue;  // "U": the plugin could not determine it, so there is nothing to record
    }
    Sample sample;
    sample.host = run.host;
    sample.name = std::move(perf.label);
    sample.labels = {{"check", run.check}};
    sample.value = *perf.value;
    sample.unit = std::move(perf.unit);
    sample.ts_ms = run.ts_ms;
    sample.warn = perf.warn;
    sample.crit = perf.crit;
    sample.min = perf.min;
    sample.max = perf.max;
    out.emit(std::move(sample));
  }
}

}  // namespace bsm::plugins::nagios
