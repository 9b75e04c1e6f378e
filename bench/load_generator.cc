// bsm-loadgen: opens N agent sessions over mutual TLS to a running bsm-server, streams M
// series from each at a set rate through the agent's own batching and stream classes, and
// reports how many samples per second the server acknowledged and what that cost it in CPU and
// memory. See bench/README.md.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench/process_usage.h"
#include "bench/simulated_agent.h"
#include "common/duration.h"
#include "common/host_port.h"
#include "common/logging.h"

namespace {

using Clock = std::chrono::steady_clock;
using bsm::bench::AgentCounters;
using bsm::bench::SimulatedAgent;

// AgentCounters summed over every agent.
struct Totals {
  uint64_t generated = 0;
  uint64_t acknowledged = 0;
  uint64_t dropped = 0;
  uint64_t queued_batches = 0;
  uint64_t sessions = 0;
  uint64_t connected = 0;  // agents connected now
};

// Each SimulatedAgent runs a StreamClient with its own I/O thread; past this many the
// generator measures the scheduler more than the server.
// TODO: a driver that runs every session on one shared io_context would allow thousands of
// agents; it needs a stream client that takes an executor instead of owning its thread.
constexpr int kMaxAgents = 256;

struct Options {
  std::string server = "127.0.0.1:9441";
  std::string pki_dir;
  int agents = 10;
  size_t series = 1000;
  std::string rate = "1000";
  std::string duration = "30s";
  std::string warmup = "5s";
  std::string connect_timeout = "20s";
  std::string drain = "15s";
  int server_pid = 0;
  std::string prefix = "loadgen-";
  size_t batch_values = 5000;
  std::string batch_delay = "1s";
  // The stream's window (32) plus a few sealed batches ready to follow each Ack.
  size_t max_outstanding = 36;
  double breach_ratio = 0;
  int generator_threads = 1;
  std::string log_level = "warn";
};

// A moment of the run: the sums over every agent plus what /proc says.
struct Snapshot {
  Clock::time_point at;
  Totals totals;
  bsm::bench::ProcessUsage server;
  std::map<int, double> server_threads;  // CPU seconds by thread id
  bsm::bench::ProcessUsage self;
  bsm::bench::MachineCpu machine;
};

// Agents' I/O threads may be running: _Exit skips the static destructors (loggers) that those
// threads could still be using.
[[noreturn]] void die(const std::string& message) {
  std::cerr << "bsm-loadgen: " << message << std::endl;
  std::_Exit(1);
}

std::chrono::milliseconds durationOption(const std::string& name, const std::string& text) {
  auto parsed = bsm::parseDuration(text);
  if (!parsed) {
    die("--" + name + " '" + text + "': " + parsed.error().message);
  }
  return *parsed;
}

Totals sum(std::vector<std::unique_ptr<SimulatedAgent>>& agents) {
  Totals total;
  for (auto& agent : agents) {
    const AgentCounters one = agent->counters();
    total.generated += one.generated;
    total.acknowledged += one.acknowledged;
    total.dropped += one.dropped;
    total.queued_batches += one.queued_batches;
    total.sessions += one.sessions;
    total.connected += one.connected ? 1 : 0;
  }
  return total;
}

Snapshot snapshot(std::vector<std::unique_ptr<SimulatedAgent>>& agents, int server_pid) {
  Snapshot out;
  out.at = Clock::now();
  out.totals = sum(agents);
  auto server = bsm::bench::readProcessUsage(server_pid);
  if (!server) {
    die("bsm-server (pid " + std::to_string(server_pid) + "): " + server.error().message);
  }
  out.server = *server;
  auto threads = bsm::bench::readThreadCpu(server_pid);
  if (!threads) {
    die("bsm-server (pid " + std::to_string(server_pid) + "): " + threads.error().message);
  }
  out.server_threads = std::move(threads.value());
  auto self = bsm::bench::readProcessUsage(0);
  auto machine = bsm::bench::readMachineCpu();
  if (!self || !machine) {
    die(!self ? self.error().message : machine.error().message);
  }
  out.self = *self;
  out.machine = *machine;
  return out;
}

// The most CPU one server thread used between two snapshots, in seconds.
double busiestThread(const Snapshot& start, const Snapshot& end) {
  double most = 0;
  for (const auto& [tid, seconds] : end.server_threads) {
    const auto before = start.server_threads.find(tid);
    most = std::max(most, seconds - (before == start.server_threads.end() ? 0 : before->second));
  }
  return most;
}

double mib(uint64_t kib) {
  return static_cast<double>(kib) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "bsm-loadgen: streams generated samples from N agents to bsm-server and reports "
      "the acknowledged rate and the server's CPU and memory"};
  Options options;
  app.add_option("--server", options.server, "agent port of the server, host:port")
      ->capture_default_str();
  app.add_option("--pki", options.pki_dir,
                 "folder with ca.crt and <prefix><i>.crt/.key for every agent (bsmctl pki)")
      ->required();
  app.add_option("--agents", options.agents, "agent sessions")
      ->check(CLI::Range(1, kMaxAgents))
      ->capture_default_str();
  app.add_option("--series", options.series, "series per agent")
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}))
      ->capture_default_str();
  app.add_option("--rate", options.rate,
                 "samples per second per agent, or 'max' to send as fast as the server "
                 "acknowledges (closed loop)")
      ->capture_default_str();
  app.add_option("--duration", options.duration, "measured window")->capture_default_str();
  app.add_option("--warmup", options.warmup, "sending before the window opens")
      ->capture_default_str();
  app.add_option("--connect-timeout", options.connect_timeout,
                 "how long every agent may take to connect")
      ->capture_default_str();
  app.add_option("--drain", options.drain,
                 "after the window, how long to wait for the rest to be acknowledged")
      ->capture_default_str();
  app.add_option("--server-pid", options.server_pid,
                 "pid of bsm-server to measure (default: the one process named bsm-server)")
      ->check(CLI::PositiveNumber);
  app.add_option("--agent-prefix", options.prefix, "agent ids are <prefix>0 .. <prefix>N-1")
      ->capture_default_str();
  app.add_option("--batch-values", options.batch_values, "as the agent's batch.max_values")
      ->check(CLI::Range(size_t{1}, size_t{100'000}))
      ->capture_default_str();
  app.add_option("--batch-delay", options.batch_delay, "as the agent's batch.max_delay")
      ->capture_default_str();
  app.add_option("--max-outstanding", options.max_outstanding,
                 "with --rate max: unacknowledged batches kept per agent")
      ->check(CLI::Range(size_t{1}, size_t{10'000}))
      ->capture_default_str();
  app.add_option("--breach-ratio", options.breach_ratio,
                 "share of samples sent above the thresholds (97; others stay below 80)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--generator-threads", options.generator_threads,
                 "threads producing samples (agents are shared out among them)")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  app.add_option("--log-level", options.log_level, "of the agent classes' logs")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // A server that drops a connection must not kill us with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  bsm::logging::setup(options.log_level);

  // --- check the arguments ----------------------------------------------------------------
  auto host_port = bsm::parseHostPort(options.server);
  if (!host_port || host_port->host.empty()) {
    die("--server '" + options.server +
        "': " + (host_port ? "needs a host" : host_port.error().message));
  }
  const bool closed_loop = options.rate == "max";
  double rate = 0;
  if (!closed_loop) {
    try {
      size_t used = 0;
      rate = std::stod(options.rate, &used);
      if (used != options.rate.size() || !(rate > 0) || rate > 10'000'000) {
        throw std::invalid_argument("range");
      }
    } catch (const std::exception&) {
      die("--rate '" + options.rate +
          "': give samples per second per agent (0 < R <= 1e7) "
          "or 'max'");
    }
  }
  const auto duration = durationOption("duration", options.duration);
  const auto warmup = durationOption("warmup", options.warmup);
  const auto connect_timeout = durationOption("connect-timeout", options.connect_timeout);
  const auto drain = durationOption("drain", options.drain);
  const auto batch_delay = durationOption("batch-delay", options.batch_delay);
  if (duration.count() < 1000 || duration > std::chrono::hours(1)) {
    die("--duration " + options.duration + ": from 1s to 1h");
  }
  if (warmup > std::chrono::minutes(10)) {
    die("--warmup " + options.warmup + ": at most 10m");
  }
  const std::string ca = options.pki_dir + "/ca.crt";
  if (!std::filesystem::is_regular_file(ca)) {
    die("--pki " + options.pki_dir + ": no ca.crt there (make one with bsmctl pki new-ca)");
  }
  int server_pid = options.server_pid;
  if (server_pid == 0) {
    auto found = bsm::bench::findProcessByName("bsm-server");
    if (!found) {
      die(found.error().message);
    }
    server_pid = *found;
  }
  if (auto usage = bsm::bench::readProcessUsage(server_pid); !usage) {
    die("--server-pid " + std::to_string(server_pid) + ": " + usage.error().message);
  }

  // --- connect ----------------------------------------------------------------------------
  bsm::bench::LoadShape shape;
  shape.series = options.series;
  shape.rate = rate;
  shape.batch_values = options.batch_values;
  shape.batch_delay = batch_delay;
  shape.max_outstanding = options.max_outstanding;
  shape.breach_ratio = options.breach_ratio;

  std::vector<std::unique_ptr<SimulatedAgent>> agents;
  for (int i = 0; i < options.agents; ++i) {
    const std::string id = options.prefix + std::to_string(i);
    bsm::agent::ServerEndpoint endpoint;
    endpoint.address = options.server;
    endpoint.host_port = *host_port;
    endpoint.ca = ca;
    endpoint.cert = options.pki_dir + "/" + id + ".crt";
    endpoint.key = options.pki_dir + "/" + id + ".key";
    // Clock-based like bsm-agent's, so that a later run numbers above what the server stored
    // for the same agent id in an earlier one.
    const uint64_t first_seq = static_cast<uint64_t>(bsm::nowMs()) * 1000;
    agents.push_back(std::make_unique<SimulatedAgent>(id, endpoint, shape, first_seq));
    if (bsm::Status started = agents.back()->start(); !started) {
      die("agent " + id + ": " + started.error().message);
    }
  }
  const auto connect_deadline = Clock::now() + connect_timeout;
  while (sum(agents).connected < static_cast<uint64_t>(options.agents)) {
    if (Clock::now() >= connect_deadline) {
      std::string missing;
      for (auto& agent : agents) {
        if (!agent->counters().connected && missing.size() < 200) {
          missing += " " + agent->id();
        }
      }
      die("not every agent connected within " + options.connect_timeout +
          "; still waiting for:" + missing + " (see the stream log lines above)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  // --- generate -----------------------------------------------------------------------------
  std::atomic<bool> generating{true};
  std::vector<std::thread> generators;
  const auto begin = Clock::now();
  for (auto& agent : agents) {
    agent->beginGeneration(begin);
  }
  for (int t = 0; t < options.generator_threads; ++t) {
    generators.emplace_back([&, t] {
      // Open loop wakes often enough that no batch waits long past its due time; closed loop
      // wakes faster because acks free room at any moment.
      const auto pause = std::chrono::milliseconds(closed_loop ? 1 : 5);
      while (generating.load()) {
        const auto now = Clock::now();
        for (size_t i = static_cast<size_t>(t); i < agents.size();
             i += static_cast<size_t>(options.generator_threads)) {
          agents[i]->generate(now);
        }
        std::this_thread::sleep_for(pause);
      }
    });
  }

  std::this_thread::sleep_for(warmup);
  const Snapshot start = snapshot(agents, server_pid);
  std::this_thread::sleep_until(start.at + duration);
  const Snapshot end = snapshot(agents, server_pid);

  generating = false;
  for (auto& thread : generators) {
    thread.join();
  }
  for (auto& agent : agents) {
    agent->endGeneration();
  }
  const auto drain_deadline = Clock::now() + drain;
  Totals drained = sum(agents);
  while (drained.acknowledged + drained.dropped < drained.generated &&
         Clock::now() < drain_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    drained = sum(agents);
  }
  const auto drain_seconds = std::chrono::duration<double>(Clock::now() - end.at).count();
  // StreamClient::stop waits a moment for its Goodbye to leave; in parallel that costs one
  // moment instead of one per agent.
  {
    std::vector<std::thread> stoppers;
    for (auto& agent : agents) {
      stoppers.emplace_back([&agent] { agent->stop(std::chrono::milliseconds(0)); });
    }
    for (auto& thread : stoppers) {
      thread.join();
    }
  }
  bool ledger_broken = false;
  uint64_t rejected_series = 0;
  for (auto& agent : agents) {
    ledger_broken = ledger_broken || agent->ledgerBroken();
    rejected_series += agent->rejectedSeries();
  }

  // --- report -------------------------------------------------------------------------------
  const double window = std::chrono::duration<double>(end.at - start.at).count();
  const uint64_t generated = end.totals.generated - start.totals.generated;
  const uint64_t acked = end.totals.acknowledged - start.totals.acknowledged;
  const double server_cpu = end.server.cpu_seconds - start.server.cpu_seconds;
  const double busiest = busiestThread(start, end);
  // CPU time comes in clock ticks (10 ms); below ten of them the quotient is mostly rounding.
  std::optional<double> per_cpu_second;
  if (server_cpu >= 0.1) {
    per_cpu_second = static_cast<double>(acked) / server_cpu;
  }
  const double self_cpu = end.self.cpu_seconds - start.self.cpu_seconds;
  const double machine_total = end.machine.total_seconds - start.machine.total_seconds;
  const double machine_busy = end.machine.busy_seconds - start.machine.busy_seconds;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const uint64_t behind = end.totals.generated - end.totals.acknowledged - end.totals.dropped;
  const uint64_t reconnects = drained.sessions - static_cast<uint64_t>(options.agents);
  const double offered = closed_loop ? 0 : rate * options.agents;

  std::string rate_text =
      closed_loop ? std::string("as fast as acknowledged (closed loop, ") +
                        std::to_string(options.max_outstanding) + " batches outstanding per agent)"
                  : fmt::format("{:.0f} samples/s per agent ({:.0f}/s offered)", rate, offered);
  std::cout << fmt::format(
      "bsm-loadgen: {} agents x {} series, {}; window {:.1f} s after {:.1f} s warm-up\n",
      options.agents, options.series, rate_text, window,
      std::chrono::duration<double>(warmup).count());
  std::cout << fmt::format("  generated     {:>12} samples {:>10.0f}/s\n", generated,
                           generated / window);
  std::cout << fmt::format(
      "  acknowledged  {:>12} samples {:>10.0f}/s   (not yet acknowledged at window end: {})\n",
      acked, acked / window, behind);
  std::cout << fmt::format(
      "  after drain   {} of {} acknowledged within {:.1f} s; {} dropped by full queues; "
      "{} reconnects\n",
      drained.acknowledged, drained.generated, drain_seconds, drained.dropped, reconnects);
  std::cout << fmt::format(
      "  bsm-server    pid {}: {:.2f} CPU-s per s ({:.0f}% of one core), RSS {:.1f} MiB, peak "
      "{:.1f} MiB, {} threads\n",
      server_pid, server_cpu / window, 100 * server_cpu / window, mib(end.server.rss_kib),
      mib(end.server.hwm_kib), end.server.threads);
  std::cout << fmt::format("                busiest thread {:.0f}% of one core\n",
                           100 * busiest / window);
  if (per_cpu_second) {
    std::cout << fmt::format("                {:.0f} acknowledged samples per server CPU-second\n",
                             *per_cpu_second);
  } else {
    std::cout << "                too little server CPU used to divide by (under 0.1 s)\n";
  }
  std::cout << fmt::format(
      "  bsm-loadgen   {:.2f} CPU-s per s ({:.0f}% of one core), RSS {:.1f} MiB, {} threads\n",
      self_cpu / window, 100 * self_cpu / window, mib(end.self.rss_kib), end.self.threads);
  std::cout << fmt::format("  machine       {} cores, {:.0f}% busy during the window\n", cores,
                           machine_total > 0 ? 100 * machine_busy / machine_total : 0.0);
  if (ledger_broken) {
    std::cout << "  WARNING: the server renumbered an agent's batches; acknowledged counts are "
                 "approximate\n";
  }
  if (rejected_series > 0 || drained.dropped > 0) {
    std::cout << fmt::format(
        "  WARNING: {} samples refused by full series tables, {} dropped by full queues; "
        "acknowledged counts include dropped batches below the last Ack\n",
        rejected_series, drained.dropped);
  }

  nlohmann::json json = {
      {"agents", options.agents},
      {"series_per_agent", options.series},
      {"rate_per_agent", closed_loop ? nlohmann::json("max") : nlohmann::json(rate)},
      {"batch_values", options.batch_values},
      {"batch_delay_ms", batch_delay.count()},
      {"breach_ratio", options.breach_ratio},
      {"window_s", window},
      {"generated", generated},
      {"generated_per_s", generated / window},
      {"acked", acked},
      {"acked_per_s", acked / window},
      {"behind_at_end", behind},
      {"acked_after_drain", drained.acknowledged},
      {"generated_total", drained.generated},
      {"dropped", drained.dropped},
      {"reconnects", reconnects},
      {"server",
       {{"pid", server_pid},
        {"cpu_seconds", server_cpu},
        {"cpu_percent", 100 * server_cpu / window},
        {"rss_mib", mib(end.server.rss_kib)},
        {"hwm_mib", mib(end.server.hwm_kib)},
        {"threads", end.server.threads},
        {"busiest_thread_percent", 100 * busiest / window},
        {"samples_per_cpu_second",
         per_cpu_second ? nlohmann::json(*per_cpu_second) : nlohmann::json(nullptr)}}},
      {"loadgen",
       {{"cpu_percent", 100 * self_cpu / window},
        {"rss_mib", mib(end.self.rss_kib)},
        {"threads", end.self.threads}}},
      {"machine",
       {{"cores", cores},
        {"busy_percent", machine_total > 0 ? 100 * machine_busy / machine_total : 0.0}}},
      {"exact", !ledger_broken && drained.dropped == 0 && rejected_series == 0},
  };
  std::cout << json.dump() << std::endl;
  return 0;
}
