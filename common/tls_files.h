#pragma once

#include <string>

namespace bsm {

// The three files each side of the agent stream needs.
struct TlsFiles {
  std::string ca;    // the deployment's CA; the only one trusted for the peer
  std::string cert;  // our certificate, issued by that CA
  std::string key;   // our private key
};

}  // namespace bsm
