#pragma once

namespace bsm {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace bsm
