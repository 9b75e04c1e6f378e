#include "server/notification_channel.h"

namespace bsm::server {

namespace {

constexpr size_t kMaxBodyInLog = 200;

}  // namespace

std::string describeHttpFailure(int status, const std::string& body, const std::string& error) {
  if (status == 0) {
    return error.empty() ? "no answer" : error;
  }
  std::string out = "HTTP " + std::to_string(status);
  if (!body.empty()) {
    std::string excerpt = body.substr(0, kMaxBodyInLog);
    for (char& c : excerpt) {
      if (c == '\n' || c == '\r') {
        c = ' ';
      }
    }
    out += ": " + excerpt + (body.size() > kMaxBodyInLog ? "..." : "");
  }
  return out;
}

Delivery deliveryFromHttpStatus(int status, const std::string& body, const std::string& error) {
  if (status >= 200 && status < 300) {
    return Delivery::delivered();
  }
  // No answer, a server error, or the receiver asking us to slow down or come back.
  if (status == 0 || status >= 500 || status == 408 || status == 429) {
    return Delivery::retry(describeHttpFailure(status, body, error));
  }
  return Delivery::permanent(describeHttpFailure(status, body, error));
}

}  // namespace bsm::server
