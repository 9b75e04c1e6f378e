#pragma once

#include <optional>
#include <string_view>

namespace bsm {

// Nagios' four states; the numbers are the plugin exit codes.
enum class CheckState { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };

std::string_view toString(CheckState state);
std::optional<CheckState> parseCheckState(std::string_view text);
// The same in any case ("critical", "Critical"): what people type in models and requests.
std::optional<CheckState> parseCheckStateAnyCase(std::string_view text);

// How bad a state is when states are compared ("worst", "best"): OK < WARNING < UNKNOWN <
// CRITICAL. UNKNOWN ranks below CRITICAL because an unknown child may still be working, and
// above WARNING because nobody can vouch for it.
int severity(CheckState state);

}  // namespace bsm
