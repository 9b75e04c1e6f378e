#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

namespace bsm::server {

// How one delivery attempt ended.
struct Delivery {
  enum class Outcome {
    kDelivered,
    kRetry,      // the receiver is down, slow or overloaded: try again later
    kPermanent,  // the receiver refused this notification for good (4xx): retrying cannot help
  };
  Outcome outcome = Outcome::kDelivered;
  std::string detail;  // what the receiver or the system said, for the log

  static Delivery delivered() { return {}; }
  static Delivery retry(std::string why) { return {Outcome::kRetry, std::move(why)}; }
  static Delivery permanent(std::string why) { return {Outcome::kPermanent, std::move(why)}; }
};

// A kind of receiver (webhook, Alertmanager, a command). Called from one thread only, the
// channel's worker, one notification at a time and in order; it may block up to its timeout.
class NotificationChannel {
 public:
  virtual ~NotificationChannel() = default;

  // Hands one notification document (see notification_document.h) to the receiver.
  virtual Delivery deliver(const nlohmann::json& document) = 0;

  // Work the channel does on its own schedule between deliveries (Alertmanager re-sends its
  // firing alerts): how often, zero for never, and the work itself. A failed refresh is only
  // logged; the next one comes on schedule.
  virtual std::chrono::milliseconds refreshInterval() const { return {}; }
  virtual void refresh() {}
};

// "HTTP 503: overloaded" from an answer, bounded so that a receiver's error page does not flood
// the log.
std::string describeHttpFailure(int status, const std::string& body, const std::string& error);

// What an HTTP status means for a notification: 2xx delivered; 408, 429 and 5xx worth a retry;
// any other 4xx (and 3xx) refused for good.
Delivery deliveryFromHttpStatus(int status, const std::string& body, const std::string& error);

}  // namespace bsm::server
