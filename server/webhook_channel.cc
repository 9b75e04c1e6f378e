#include "server/webhook_channel.h"

#include "server/json_views.h"

namespace bsm::server {

WebhookChannel::WebhookChannel(HttpUrl url, std::map<std::string, std::string> headers,
                               std::chrono::milliseconds timeout)
    : url_(std::move(url)), headers_(std::move(headers)), timeout_(timeout) {}

Delivery WebhookChannel::deliver(const nlohmann::json& document) {
  const HttpAnswer answer = postJson(url_, headers_, dumpJson(document), timeout_);
  return deliveryFromHttpStatus(answer.status, answer.body, answer.error);
}

}  // namespace bsm::server
