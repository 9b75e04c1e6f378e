#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bsm::server::testing {

// A local HTTP receiver on loopback for notification channels: keeps every POST body, answers
// with a status the test sets, optionally after a delay.
class HookReceiver {
 public:
  // Port 0 picks a free one; a given port brings a receiver back where an earlier one was.
  explicit HookReceiver(int port = 0) {
    server_.Post(".*", [this](const httplib::Request& request, httplib::Response& response) {
      std::unique_lock lock(mutex_);
      // A slow receiver, until the delay passes or the test lets it go.
      released_.wait_for(lock, delay_, [this] { return release_; });
      paths_.push_back(request.path);
      bodies_.push_back(request.body);
      headers_.push_back(request.headers);
      response.status = status_;
      changed_.notify_all();
    });
    if (port == 0) {
      port_ = server_.bind_to_any_port("127.0.0.1");
    } else {
      port_ = server_.bind_to_port("127.0.0.1", port) ? port : -1;
    }
    EXPECT_GT(port_, 0) << "cannot bind the test receiver";
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() does nothing to a server that is not running yet, and the join would then hang.
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  ~HookReceiver() {
    release();
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void setStatus(int status) {
    std::lock_guard lock(mutex_);
    status_ = status;
  }
  void setDelay(std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex_);
    delay_ = delay;
  }
  // Ends every delay, now and later.
  void release() {
    {
      std::lock_guard lock(mutex_);
      release_ = true;
    }
    released_.notify_all();
  }

  // Waits until at least `count` requests came in; returns every body parsed as JSON.
  std::vector<nlohmann::json> waitFor(size_t count, std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, wait, [&] { return bodies_.size() >= count; });
    std::vector<nlohmann::json> out;
    for (const auto& body : bodies_) {
      out.push_back(nlohmann::json::parse(body, nullptr, false));
    }
    return out;
  }
  size_t count() {
    std::lock_guard lock(mutex_);
    return bodies_.size();
  }
  httplib::Headers headers(size_t index) {
    std::lock_guard lock(mutex_);
    return headers_.at(index);
  }

 private:
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int status_ = 200;
  std::chrono::milliseconds delay_{0};
  std::condition_variable released_;
  bool release_ = false;
  std::vector<std::string> paths_;
  std::vector<std::string> bodies_;
  std::vector<httplib::Headers> headers_;
};

}  // namespace bsm::server::testing
