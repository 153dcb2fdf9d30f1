// Tests of CompactQueue: FIFO order, the consumed prefix dropped as it grows, and no memory
// owned once released (what an idle connection relies on).
#define BOOST_TEST_MODULE compact_queue
#include "compact_queue.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

using xmppd::CompactQueue;

namespace {
std::vector<std::string> contents(const CompactQueue<std::string>& q) { return {q.begin(), q.end()}; }
}  // namespace

BOOST_AUTO_TEST_CASE(first_in_first_out_across_compactions) {
  CompactQueue<std::string> q;
  int next_in = 0, next_out = 0;
  // Always some elements queued, so the queue never empties and must compact to stay small.
  for (int round = 0; round < 10'000; ++round) {
    q.push_back(std::to_string(next_in++));
    q.push_back(std::to_string(next_in++));
    BOOST_REQUIRE_EQUAL(q.front(), std::to_string(next_out));
    q.pop_front();
    ++next_out;
  }
  BOOST_TEST(q.size() == std::size_t(next_in - next_out));
  auto left = contents(q);
  for (const auto& s : left) BOOST_REQUIRE_EQUAL(s, std::to_string(next_out++));
}

BOOST_AUTO_TEST_CASE(steady_traffic_does_not_grow_storage) {
  CompactQueue<std::string> q;
  for (int i = 0; i < 8; ++i) q.push_back("x");
  // Eight in flight, one in and one out per step: storage stays bounded by compaction.
  for (int i = 0; i < 100'000; ++i) {
    q.push_back("y");
    q.pop_front();
  }
  BOOST_TEST(q.size() == 8u);
  BOOST_TEST(q.capacity() <= 128u);
}

BOOST_AUTO_TEST_CASE(empty_after_release_owns_nothing) {
  CompactQueue<std::string> q;
  BOOST_TEST(q.capacity() == 0u);  // a new queue allocates nothing (std::deque does)
  for (int i = 0; i < 100; ++i) q.push_back(std::string(100, 'a'));
  while (!q.empty()) q.pop_front();
  q.release();
  BOOST_TEST(q.capacity() == 0u);
}

BOOST_AUTO_TEST_CASE(swap_moves_the_unconsumed_part) {
  CompactQueue<std::string> a, b;
  for (const char* s : {"1", "2", "3"}) a.push_back(s);
  a.pop_front();
  a.swap(b);
  BOOST_TEST(a.empty());
  BOOST_TEST((contents(b) == std::vector<std::string>{"2", "3"}));
}
