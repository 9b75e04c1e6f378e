#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace bsm::server {

// A comparison that a metric value either matches or not, written in the model as "> 8",
// ">= 90", "< 0.5", "<= 10", "== 0" or "!= 1".
class Threshold {
 public:
  enum class Op { kGreater, kGreaterEqual, kLess, kLessEqual, kEqual, kNotEqual };

  // Parses the text form. A bare number is refused: whether "8" means "above 8" or "below 8"
  // depends on the metric, and a guess would be silently wrong for half of them.
  static Result<Threshold> parse(std::string_view text);

  Threshold(Op op, double operand) : op_(op), operand_(operand) {}

  bool matches(double value) const;

  Op op() const { return op_; }
  double operand() const { return operand_; }

  // The canonical text form, e.g. "> 8" or ">= 0.5".
  std::string toString() const;

 private:
  Op op_;
  double operand_;
};

// A number as people write it in reasons: "9.2", "8", "1e+12", without trailing zeros.
std::string formatNumber(double value);

}  // namespace bsm::server
