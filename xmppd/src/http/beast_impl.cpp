// Boost.Beast is compiled once, here (BOOST_BEAST_SEPARATE_COMPILATION), not in every file that
// uses it; only xmppd/src/http/ includes Beast, never the module SDK.
#include <utility>
#include <boost/beast/src.hpp>
