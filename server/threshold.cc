#include "server/threshold.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <utility>

#include <fmt/format.h>

namespace bsm::server {

namespace {

// Longest spellings first, so that ">=" is not read as ">" followed by "=8".
constexpr std::pair<std::string_view, Threshold::Op> kOperators[] = {
    {">=", Threshold::Op::kGreaterEqual}, {"<=", Threshold::Op::kLessEqual},
    {"==", Threshold::Op::kEqual},        {"!=", Threshold::Op::kNotEqual},
    {">", Threshold::Op::kGreater},       {"<", Threshold::Op::kLess},
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string_view spelling(Threshold::Op op) {
  for (const auto& [text, candidate] : kOperators) {
    if (candidate == op) {
      return text;
    }
  }
  return "?";
}

}  // namespace

Result<Threshold> Threshold::parse(std::string_view text) {
  const std::string_view whole = trim(text);
  std::string_view rest = whole;
  std::optional<Op> op;
  for (const auto& [spelt, candidate] : kOperators) {
    if (rest.starts_with(spelt)) {
      op = candidate;
      rest.remove_prefix(spelt.size());
      break;
    }
  }
  rest = trim(rest);

  double operand = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), operand);
  const bool is_number = ec == std::errc() && end == rest.data() + rest.size() && !rest.empty();
  if (!op) {
    if (is_number) {
      return Error{"threshold '" + std::string(whole) + "' has no comparison: write e.g. \"> " +
                   std::string(rest) + "\" or \"< " + std::string(rest) +
                   "\" (in quotes, since YAML reads a bare > as the start of a text block)"};
    }
    return Error{"threshold '" + std::string(whole) +
                 "' must be a comparison and a number, e.g. \"> 8\"; the comparisons are >, >=, "
                 "<, <=, ==, !="};
  }
  if (!is_number) {
    return Error{"threshold '" + std::string(whole) + "': '" + std::string(rest) +
                 "' is not a number"};
  }
  if (!std::isfinite(operand)) {
    return Error{"threshold '" + std::string(whole) + "' must compare with a finite number"};
  }
  return Threshold(*op, operand);
}

bool Threshold::matches(double value) const {
  switch (op_) {
    case Op::kGreater:
      return value > operand_;
    case Op::kGreaterEqual:
      return value >= operand_;
    case Op::kLess:
      return value < operand_;
    case Op::kLessEqual:
      return value <= operand_;
    case Op::kEqual:
      return value == operand_;
    case Op::kNotEqual:
      return value != operand_;
  }
  return false;
}

std::string Threshold::toString() const {
  return std::string(spelling(op_)) + " " + formatNumber(operand_);
}

std::string formatNumber(double value) {
  // %g keeps six significant digits, which is what a person reads in a reason; the exact value
  // stays available in the component's view.
  return fmt::format("{:g}", value);
}

}  // namespace bsm::server
