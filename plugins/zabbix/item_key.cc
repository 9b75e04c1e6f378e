#include "plugins/zabbix/item_key.h"

#include <cctype>

namespace bsm::plugins::zabbix {

namespace {

bool isNameCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
}

std::string at(size_t position) {
  return " at position " + std::to_string(position);
}

// Walks the parameter list of one key. Zabbix's grammar is small enough for a hand-written
// descent: a list is parameters separated by ',' and closed by ']'.
class KeyParser {
 public:
  explicit KeyParser(std::string_view key) : key_(key) {}

  Result<ItemKey> parse() {
    ItemKey out;
    while (pos_ < key_.size() && isNameCharacter(key_[pos_])) {
      ++pos_;
    }
    if (pos_ == 0) {
      return fail("item key must start with a name of letters, digits, '_', '-' or '.'");
    }
    out.name = std::string(key_.substr(0, pos_));
    if (pos_ == key_.size()) {
      return out;
    }
    if (key_[pos_] != '[') {
      return fail(std::string("unexpected character '") + key_[pos_] + "' in the key name");
    }
    ++pos_;
    out.bracketed = true;
    if (!parseList(/*in_array=*/false, out.parameters)) {
      return Error{error_};
    }
    if (pos_ != key_.size()) {
      return fail("text after the closing ']'");
    }
    return out;
  }

 private:
  Error fail(const std::string& what) { return Error{what + at(pos_)}; }

  bool setError(const std::string& what) {
    error_ = what + at(pos_);
    return false;
  }

  void skipBlanks() {
    while (pos_ < key_.size() && key_[pos_] == ' ') {
      ++pos_;
    }
  }

  // Reads parameters up to and including the ']' that closes the list.
  bool parseList(bool in_array, std::vector<KeyParameter>& out) {
    for (;;) {
      skipBlanks();
      if (pos_ == key_.size()) {
        return setError("missing ']'");
      }
      KeyParameter parameter;
      const char c = key_[pos_];
      if (c == '"') {
        if (!parseQuoted(parameter)) {
          return false;
        }
      } else if (c == '[') {
        if (in_array) {
          return setError("arrays inside arrays are not allowed");
        }
        ++pos_;
        parameter.array = true;
        if (!parseList(/*in_array=*/true, parameter.elements)) {
          return false;
        }
        skipBlanks();
      } else {
        const size_t start = pos_;
        while (pos_ < key_.size() && key_[pos_] != ',' && key_[pos_] != ']') {
          ++pos_;
        }
        parameter.text = std::string(key_.substr(start, pos_ - start));
      }
      out.push_back(std::move(parameter));

      if (pos_ == key_.size()) {
        return setError("missing ']'");
      }
      if (key_[pos_] == ']') {
        ++pos_;
        return true;
      }
      if (key_[pos_] != ',') {
        return setError(std::string("expected ',' or ']' but found '") + key_[pos_] + "'");
      }
      ++pos_;
    }
  }

  // A quoted parameter and the blanks after its closing quote.
  bool parseQuoted(KeyParameter& parameter) {
    const size_t opening = pos_++;
    parameter.quoted = true;
    while (pos_ < key_.size()) {
      const char c = key_[pos_];
      if (c == '\\' && pos_ + 1 < key_.size() && key_[pos_ + 1] == '"') {
        parameter.text += '"';
        pos_ += 2;
        continue;
      }
      if (c == '"') {
        ++pos_;
        skipBlanks();
        return true;
      }
      parameter.text += c;
      ++pos_;
    }
    pos_ = opening;
    return setError("quoted parameter is not closed");
  }

  std::string_view key_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

Result<ItemKey> parseItemKey(std::string_view key) {
  if (key.size() > kMaxItemKeyLength) {
    return Error{"item key is " + std::to_string(key.size()) + " bytes long, over Zabbix's " +
                 std::to_string(kMaxItemKeyLength)};
  }
  return KeyParser(key).parse();
}

Result<std::string> keyParameter(std::string_view text) {
  bool needs_quotes = !text.empty() && (text.front() == ' ' || text.front() == '[');
  for (const char c : text) {
    if (c == ',' || c == ']' || c == '"') {
      needs_quotes = true;
    }
  }
  if (!needs_quotes) {
    return std::string(text);
  }
  if (text.back() == '\\') {
    return Error{"a key parameter that needs quotes cannot end with a backslash"};
  }
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') {
      out += '\\';
    }
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace bsm::plugins::zabbix
