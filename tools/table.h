#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace bsm::tools {

// Text in aligned columns for people (scripts use --json):
//
//   NAME         STATE     SINCE
//   online-shop  CRITICAL  2026-12-03 19:20:00
//
// Empty cells show as "-" so that columns stay countable; line breaks and other control
// characters in cells (plugin output often has them) become spaces.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // Missing cells are empty; cells beyond the header count are dropped.
  void addRow(std::vector<std::string> cells);

  bool empty() const { return rows_.empty(); }

  // The header line and one line per row, each ending in '\n', without trailing spaces.
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Columns a text takes on a terminal, counting each UTF-8 character as one column.
size_t displayWidth(const std::string& text);

}  // namespace bsm::tools
