#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace bsm::plugins::zabbix {

// Zabbix's own limit on an item key (ITEM_KEY_LEN in 6.0), in bytes.
inline constexpr size_t kMaxItemKeyLength = 2048;

// One parameter of an item key: text (quoted or not) or an array of text parameters.
struct KeyParameter {
  std::string text;  // without quotes and escapes; empty for an array
  bool quoted = false;
  bool array = false;
  std::vector<KeyParameter> elements;  // an array's members, never arrays themselves

  bool operator==(const KeyParameter&) const = default;
};

// An item key such as `vfs.fs.size[/,pused]` taken apart.
struct ItemKey {
  std::string name;        // "vfs.fs.size"
  bool bracketed = false;  // "key[]" has one empty parameter, "key" none
  std::vector<KeyParameter> parameters;
};

// Parses an item key as Zabbix does: a name of [0-9a-zA-Z_.-], then optionally parameters in
// brackets, separated by commas. Blanks before a parameter are skipped; an unquoted parameter
// runs to the next ',' or ']' (trailing blanks included); a quoted one may hold anything, with
// `\"` for a quote and every other backslash taken literally; an array is one level of
// brackets, never nested. The error names the position (from 0) where the key goes wrong.
Result<ItemKey> parseItemKey(std::string_view key);

// `text` as one parameter: bare when Zabbix would read it back unchanged, quoted otherwise.
// Fails for text ending in a backslash that needs quoting, which no key can express.
Result<std::string> keyParameter(std::string_view text);

}  // namespace bsm::plugins::zabbix
