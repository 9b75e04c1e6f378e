#pragma once

#include <chrono>
#include <map>
#include <string>

#include "server/http_post.h"
#include "server/notification_channel.h"

namespace bsm::server {

// POSTs each notification document as JSON to one URL, with the configured headers (an
// Authorization header, typically). 2xx is delivered; see deliveryFromHttpStatus() for the rest.
class WebhookChannel final : public NotificationChannel {
 public:
  WebhookChannel(HttpUrl url, std::map<std::string, std::string> headers,
                 std::chrono::milliseconds timeout, std::string ca_file = "");

  Delivery deliver(const nlohmann::json& document) override;

 private:
  const HttpUrl url_;
  const std::map<std::string, std::string> headers_;
  const std::chrono::milliseconds timeout_;
  const std::string ca_file_;
};

}  // namespace bsm::server
