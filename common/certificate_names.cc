#include "common/certificate_names.h"

#include <arpa/inet.h>

#include <fmt/format.h>

namespace bsm::pki {
namespace {

constexpr size_t kMaxDnsNameLength = 253;

bool isCommonNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

Status validateCommonName(std::string_view cn) {
  constexpr const char* kRule =
      "a CN is also a file name and an agent id, so it may hold only letters, digits, '.', '_' "
      "and '-'";
  if (cn.empty()) {
    return Error{std::string("the CN is empty; ") + kRule};
  }
  if (cn.size() > kMaxCommonNameLength) {
    return Error{fmt::format("the CN {} is {} characters long; at most {} are allowed",
                             printable(cn), cn.size(), kMaxCommonNameLength)};
  }
  for (const char c : cn) {
    if (!isCommonNameChar(c)) {
      return Error{fmt::format("the CN {} contains {}; {}", printable(cn),
                               printable(std::string_view(&c, 1)), kRule)};
    }
  }
  if (cn.front() == '.' || cn.front() == '-') {
    return Error{"the CN " + printable(cn) +
                 " starts with '.' or '-', which would make a hidden file or look like an option"};
  }
  if (cn.size() == 2 && (cn[0] == 'c' || cn[0] == 'C') && (cn[1] == 'a' || cn[1] == 'A')) {
    return Error{"the CN " + printable(cn) + " is reserved: its files would replace the CA's"};
  }
  return {};
}

bool isDnsName(std::string_view name, bool allow_wildcard) {
  if (name.empty() || name.size() > kMaxDnsNameLength) {
    return false;
  }
  if (allow_wildcard && name.starts_with("*.")) {
    name.remove_prefix(2);
  }
  bool last_label_numeric = true;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string_view::npos) {
      end = name.size();
    }
    const std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    last_label_numeric = true;
    for (const char c : label) {
      const bool digit = c >= '0' && c <= '9';
      const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!digit && !letter && c != '-') {
        return false;
      }
      last_label_numeric = last_label_numeric && digit;
    }
    start = end + 1;
  }
  return !last_label_numeric;
}

std::optional<std::string> parseIpAddress(const std::string& text) {
  unsigned char bytes[16];
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) {
    return std::string(reinterpret_cast<char*>(bytes), 4);
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
    return std::string(reinterpret_cast<char*>(bytes), 16);
  }
  return std::nullopt;
}

std::string printable(std::string_view text) {
  constexpr size_t kShown = 80;
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < kShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kShown) {
    out += "...";
  }
  return out + "'";
}

}  // namespace bsm::pki
