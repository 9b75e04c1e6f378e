#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

// Which names may go into a certificate, shared by the CA and whoever checks an agent's id.
namespace bsm::pki {

// X.509's upper bound for a CN (ub-common-name in RFC 5280).
inline constexpr size_t kMaxCommonNameLength = 64;

// A CN must be usable as a file name and as an agent id: 1 to 64 characters from
// [A-Za-z0-9._-], not starting with '.' or '-', and not "ca" (the CA's own files).
Status validateCommonName(std::string_view cn);

// Host name syntax: labels of 1 to 63 letters, digits and inner hyphens, at most 253 characters
// in all; with `allow_wildcard`, "*." may start it. A name whose last label is all digits is
// refused: no top-level domain is numeric, so it is almost certainly a mistyped IP address.
bool isDnsName(std::string_view name, bool allow_wildcard);

// The 4 or 16 address bytes of an IPv4 or IPv6 literal, or nothing.
std::optional<std::string> parseIpAddress(const std::string& text);

// User input quoted for an error message: control characters and bytes past ASCII are escaped,
// and long input is cut, so that one bad argument cannot flood or garble a terminal or a log.
std::string printable(std::string_view text);

}  // namespace bsm::pki
