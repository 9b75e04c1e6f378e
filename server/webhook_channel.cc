#include "server/webhook_channel.h"

#include "server/json_views.h"

namespace bsm::server {

WebhookChannel::WebhookChannel(HttpUrl url, std::map<std::string, std::string> headers,
                               std::chrono::milliseconds timeout, std::string ca_file)
    : url_(std::move(url)),
      headers_(std::move(headers)),
      timeout_(timeout),
      ca_file_(std::move(ca_file)) {}

Delivery WebhookChannel::deliver(const nlohmann::json& document) {
  const HttpAnswer answer = postJson(url_, headers_, dumpJson(document), timeout_, ca_file_);
  return deliveryFromHttpStatus(answer.status, answer.body, answer.error);
}

}  // namespace bsm::server
