// The elements one read produced, waiting to be handled in order.
//
// A connection drains its queue after every read, so the queue is almost always empty; unlike
// std::deque (whose libstdc++ constructor allocates a 512-byte block and keeps one while
// empty), an empty ElementQueue owns no memory once release() has run, which matters when
// tens of thousands of connections sit idle (issue 3: memory per idle connection).
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

#include "xmppd/element.hpp"

namespace xmppd {

class ElementQueue {
 public:
  bool empty() const { return head_ == items_.size(); }
  void push_back(Element e) { items_.push_back(std::move(e)); }
  Element& front() { return items_[head_]; }
  void pop_front() {
    items_[head_++] = Element();
    if (empty()) clear();
  }
  void clear() {
    items_.clear();
    head_ = 0;
  }
  // Gives the storage back; for idle connections.
  void release() {
    clear();
    items_.shrink_to_fit();
  }

 private:
  std::vector<Element> items_;
  std::size_t head_ = 0;
};

}  // namespace xmppd
