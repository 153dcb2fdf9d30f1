// See xmppd/random.hpp.
#include "xmppd/random.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <cstring>
#include <stdexcept>

namespace xmppd {
namespace {

void fill(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) throw std::runtime_error("no random bytes from OpenSSL");
}

// Bytes drawn from OpenSSL's DRBG a block at a time: a RAND_bytes call costs ~7,500
// instructions whatever it returns (callgrind), and an anonymous login made four of them (8 % of
// its instructions). Per thread, so no lock; a byte handed out is wiped from the block, which
// therefore never holds a value already in use.
class Pool {
 public:
  void take(unsigned char* out, std::size_t n) {
    if (n > block_.size() / 4) return fill(out, n);  // large requests go straight to the DRBG
    if (n > block_.size() - used_) {
      fill(block_.data(), block_.size());
      used_ = 0;
    }
    std::memcpy(out, block_.data() + used_, n);
    OPENSSL_cleanse(block_.data() + used_, n);
    used_ += n;
  }
  ~Pool() { OPENSSL_cleanse(block_.data(), block_.size()); }

 private:
  std::array<unsigned char, 4096> block_{};
  std::size_t used_ = block_.size();  // empty until first used
};

thread_local Pool t_pool;

}  // namespace

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  t_pool.take(reinterpret_cast<unsigned char*>(out.data()), n);
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string random_hex(std::size_t bytes) { return to_hex(random_bytes(bytes)); }

}  // namespace xmppd
