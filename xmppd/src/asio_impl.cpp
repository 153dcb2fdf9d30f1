// Asio and Beast are compiled once, here (BOOST_ASIO_SEPARATE_COMPILATION), not in every file.
#include <utility>
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
