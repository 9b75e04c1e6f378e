#include "tools/table.h"

#include <algorithm>

namespace bsm::tools {

namespace {

constexpr const char* kColumnGap = "  ";

std::string cleanCell(std::string text) {
  if (text.empty()) {
    return "-";
  }
  for (char& c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      c = ' ';
    }
  }
  return text;
}

}  // namespace

size_t displayWidth(const std::string& text) {
  // UTF-8 continuation bytes are 10xxxxxx; every other byte starts a character. Wide (CJK)
  // characters count as one column too, which is close enough for names and reasons.
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::addRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (std::string& cell : cells) {
    cell = cleanCell(std::move(cell));
  }
  rows_.push_back(std::move(cells));
}

std::string Table::render() const {
  std::vector<size_t> widths(headers_.size(), 0);
  for (size_t column = 0; column < headers_.size(); ++column) {
    widths[column] = displayWidth(headers_[column]);
    for (const auto& row : rows_) {
      widths[column] = std::max(widths[column], displayWidth(row[column]));
    }
  }

  std::string out;
  const auto append_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t column = 0; column < cells.size(); ++column) {
      line += cells[column];
      // The last column is not padded: nothing follows it to align.
      if (column + 1 < cells.size()) {
        line.append(widths[column] - displayWidth(cells[column]), ' ');
        line += kColumnGap;
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out += line;
    out += '\n';
  };

  append_line(headers_);
  for (const auto& row : rows_) {
    append_line(row);
  }
  return out;
}

}  // namespace bsm::tools
