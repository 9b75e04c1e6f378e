#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <asio/thread_pool.hpp>

#include "agent/batcher.h"
#include "plugins/input.h"

namespace bsm::agent {

// Runs every polled input at its own interval on a small pool of threads, and starts and
// stops the listening ones. An input still busy when its next round is due skips that round
// (counted and logged) rather than running twice at once or queueing up behind itself.
class Scheduler {
 public:
  Scheduler(std::vector<std::unique_ptr<plugins::Input>>& inputs, Batcher& batcher, size_t threads);
  ~Scheduler();

  void start();
  void stop();

 private:
  struct Slot {
    plugins::Input* input;
    std::unique_ptr<InputEmitter> emitter;
    std::chrono::steady_clock::time_point due;
    bool running = false;
    uint64_t skipped = 0;
  };

  void loop();

  std::vector<std::unique_ptr<plugins::Input>>& inputs_;
  Batcher& batcher_;
  asio::thread_pool pool_;
  std::vector<Slot> slots_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace bsm::agent
