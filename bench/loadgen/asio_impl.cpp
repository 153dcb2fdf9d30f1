// Asio and its SSL part compiled once for the load generator (BOOST_ASIO_SEPARATE_COMPILATION).
#include <utility>
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
