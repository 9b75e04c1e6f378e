#include "agent/batcher.h"

#include <gtest/gtest.h>

namespace bsm::agent {
namespace {

using namespace std::chrono_literals;

Sample sampleOf(const std::string& name, double value) {
  Sample sample;
  sample.host = "web-1";
  sample.name = name;
  sample.value = value;
  sample.ts_ms = 1000;
  return sample;
}

TEST(BatcherTest, SealsWhenTheBatchIsFull) {
  SeriesTable series;
  BatchQueue queue(100, 1);
  Batcher batcher(series, queue, 3, 1h);
  plugins::InputSettings input;
  for (int i = 0; i < 7; ++i) {
    batcher.add(input, sampleOf("system.load1", i));
  }
  EXPECT_EQ(queue.size(), 2u);
  batcher.sealNow();
  const auto batches = queue.after(0, 10);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[2]->valueCount(), 1u);
}

TEST(BatcherTest, SealsWhenTheOldestValueIsOldEnough) {
  SeriesTable series;
  BatchQueue queue(100, 1);
  Batcher batcher(series, queue, 1000, 100ms);
  plugins::InputSettings input;
  batcher.add(input, sampleOf("system.load1", 1));
  batcher.sealIfDue(std::chrono::steady_clock::now());
  EXPECT_EQ(queue.size(), 0u);
  batcher.sealIfDue(std::chrono::steady_clock::now() + 200ms);
  EXPECT_EQ(queue.size(), 1u);
}

TEST(BatcherTest, SameSeriesGetsTheSameIdAndTheInputInterval) {
  SeriesTable series;
  BatchQueue queue(100, 1);
  Batcher batcher(series, queue, 1000, 1h);
  plugins::InputSettings input;
  input.interval = 30s;
  batcher.add(input, sampleOf("system.load1", 1));
  batcher.add(input, sampleOf("system.load1", 2));
  batcher.add(input, sampleOf("system.load5", 3));
  CheckResult check;
  check.host = "web-1";
  check.name = "system.load1";  // same name, but a check: a different series
  batcher.add(input, check);
  batcher.sealNow();
  const auto batch = queue.after(0, 1).at(0);
  EXPECT_EQ(batch->metrics[0].series, batch->metrics[1].series);
  EXPECT_NE(batch->metrics[0].series, batch->metrics[2].series);
  EXPECT_NE(batch->checks[0].series, batch->metrics[0].series);
  EXPECT_EQ(series.definition(batch->metrics[0].series).interval_ms, 30'000);
  EXPECT_EQ(series.size(), 3u);
}

TEST(BatcherTest, DropsNewSeriesOnceTheTableIsFull) {
  SeriesTable series(2);
  BatchQueue queue(100, 1);
  Batcher batcher(series, queue, 1000, 1h);
  plugins::InputSettings input;
  batcher.add(input, sampleOf("a", 1));
  batcher.add(input, sampleOf("b", 1));
  batcher.add(input, sampleOf("c", 1));  // refused
  batcher.add(input, sampleOf("a", 2));  // known, still accepted
  batcher.sealNow();
  EXPECT_EQ(queue.after(0, 1).at(0)->valueCount(), 3u);
  EXPECT_EQ(batcher.rejectedSeries(), 1u);
}

}  // namespace
}  // namespace bsm::agent
