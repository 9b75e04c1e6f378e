#include "agent/batch_queue.h"

#include <gtest/gtest.h>

namespace bsm::agent {
namespace {

PendingBatch batchOf(int values) {
  PendingBatch batch;
  for (int i = 0; i < values; ++i) {
    batch.metrics.push_back({1, i, static_cast<double>(i), {}, {}, {}, {}});
  }
  return batch;
}

TEST(BatchQueueTest, NumbersBatchesFromTheFirstSequence) {
  BatchQueue queue(10, 100);
  queue.push(batchOf(1));
  queue.push(batchOf(1));
  const auto batches = queue.after(0, 10);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0]->seq, 100u);
  EXPECT_EQ(batches[1]->seq, 101u);
  EXPECT_EQ(queue.lastAssigned(), 101u);
}

TEST(BatchQueueTest, AcknowledgeRemovesEverythingUpToTheSequence) {
  BatchQueue queue(10, 1);
  for (int i = 0; i < 5; ++i) {
    queue.push(batchOf(1));
  }
  queue.acknowledge(3);
  const auto rest = queue.after(0, 10);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0]->seq, 4u);
  EXPECT_EQ(queue.after(4, 10).size(), 1u);
  EXPECT_EQ(queue.after(0, 1).size(), 1u);
}

TEST(BatchQueueTest, DropsTheOldestWhenFullAndCountsWhatWasLost) {
  BatchQueue queue(3, 1);
  for (int i = 0; i < 5; ++i) {
    queue.push(batchOf(10 + i));
  }
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(queue.dropped(), 2u);
  EXPECT_EQ(queue.droppedValues(), 10u + 11u);
  const auto kept = queue.after(0, 10);
  EXPECT_EQ(kept.front()->seq, 3u);  // newest kept, oldest gone, order intact
  EXPECT_EQ(kept.back()->seq, 5u);
}

TEST(BatchQueueTest, RenumberKeepsOrderAndContinuesAfterIt) {
  BatchQueue queue(10, 1);
  queue.push(batchOf(1));
  queue.push(batchOf(2));
  queue.renumber(500);
  auto batches = queue.after(0, 10);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0]->seq, 500u);
  EXPECT_EQ(batches[0]->valueCount(), 1u);
  EXPECT_EQ(batches[1]->seq, 501u);
  queue.push(batchOf(1));
  EXPECT_EQ(queue.lastAssigned(), 502u);
}

TEST(BatchQueueTest, NotifiesOnPush) {
  BatchQueue queue(10, 1);
  int pushes = 0;
  queue.setOnPush([&] { pushes++; });
  queue.push(batchOf(1));
  EXPECT_EQ(pushes, 1);
}

}  // namespace
}  // namespace bsm::agent
