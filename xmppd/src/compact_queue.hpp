// A FIFO queue that owns no memory while it is empty.
//
// Per-connection queues (elements of one read, stanzas awaiting a XEP-0198 ack) are empty most
// of the time. libstdc++'s std::deque allocates a 512-byte block in its constructor and keeps
// one while empty, which for tens of thousands of idle connections is a large share of their
// memory (issue 3). This is a vector with a moving head: pops are O(1), the consumed prefix is
// dropped once it is half the storage (amortised O(1) per element), and release() frees it all.
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

namespace xmppd {

template <typename T>
class CompactQueue {
 public:
  using const_iterator = typename std::vector<T>::const_iterator;

  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  std::size_t capacity() const { return items_.capacity(); }
  void push_back(T value) { items_.push_back(std::move(value)); }
  T& front() { return items_[head_]; }
  void pop_front() {
    items_[head_++] = T();  // frees what the element owned now, not at compaction
    if (empty()) {
      clear();
    } else if (head_ >= 32 && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + std::ptrdiff_t(head_));
      head_ = 0;
    }
  }
  void clear() {
    items_.clear();
    head_ = 0;
  }
  // Gives the storage back (for idle connections).
  void release() {
    clear();
    items_.shrink_to_fit();
  }
  void swap(CompactQueue& other) noexcept {
    items_.swap(other.items_);
    std::swap(head_, other.head_);
  }
  const_iterator begin() const { return items_.begin() + std::ptrdiff_t(head_); }
  const_iterator end() const { return items_.end(); }

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;
};

}  // namespace xmppd
