#include "agent/scheduler.h"

#include <asio/post.hpp>

#include "common/logging.h"

namespace bsm::agent {

Scheduler::Scheduler(std::vector<std::unique_ptr<plugins::Input>>& inputs, Batcher& batcher,
                     size_t threads)
    : inputs_(inputs), batcher_(batcher), pool_(threads) {
  const auto now = std::chrono::steady_clock::now();
  for (auto& input : inputs_) {
    Slot slot;
    slot.input = input.get();
    slot.emitter = std::make_unique<InputEmitter>(batcher_, input->settings());
    slot.due = now;  // first round at once, so a new agent reports within seconds
    slots_.push_back(std::move(slot));
  }
}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::start() {
  for (auto& slot : slots_) {
    if (!slot.input->polled()) {
      slot.input->start(*slot.emitter);
    }
  }
  thread_ = std::thread([this] { loop(); });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  for (auto& slot : slots_) {
    if (!slot.input->polled()) {
      slot.input->stop();
    }
  }
  pool_.join();
}

void Scheduler::loop() {
  auto log = logging::get("agent");
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto now = std::chrono::steady_clock::now();
    auto next_wake = now + std::chrono::seconds(1);
    for (auto& slot : slots_) {
      if (!slot.input->polled()) {
        continue;
      }
      if (slot.due <= now) {
        const auto interval = slot.input->settings().interval;
        // Keep to the grid of the first run rather than drifting by the run time.
        while (slot.due <= now) {
          slot.due += interval;
        }
        if (slot.running) {
          slot.skipped++;
          log->warn("input={} still running after {} ms, skipping this round (skipped={})",
                    slot.input->settings().name, interval.count(), slot.skipped);
        } else {
          slot.running = true;
          asio::post(pool_, [this, &slot] {
            try {
              slot.input->collect(*slot.emitter);
            } catch (const std::exception& e) {
              // A plugin bug must not take the agent down with it; the round is lost.
              logging::get("agent")->error("input={} failed: {}", slot.input->settings().name,
                                           e.what());
            }
            std::lock_guard done(mutex_);
            slot.running = false;
          });
        }
      }
      next_wake = std::min(next_wake, slot.due);
    }
    wake_.wait_until(lock, next_wake, [this] { return stopping_; });
  }
}

}  // namespace bsm::agent
