// xmppd: parses the command line, loads the configuration and runs the server in the
// foreground, logging to standard error.
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#if XMPPD_MIMALLOC
#include <mimalloc.h>
#endif

#include "config.hpp"
#include "memory_return.hpp"
#include "server.hpp"
#include "xml/stream_parser.hpp"
#include "xmppd/module.hpp"

namespace {
void usage() {
  std::fprintf(stderr,
               "usage: xmppd --config FILE [--check-config] [--ports-file FILE]\n"
               "       xmppd --list-modules\n");
}

#if XMPPD_MIMALLOC
// xmppd is linked against mimalloc (CMake option XMPPD_MIMALLOC; xmppd-leakcheck and the
// sanitizer build keep glibc's malloc, which the sanitizers replace). Freed pages go back to the
// system through mi_collect, where glibc needs malloc_trim (docs/benchmarks.md, "Idle memory:
// allocator").

// Expat's memory in a heap of its own: every connection holds a parser (~9 KiB) from its login
// until it parks seconds later, so in the shared heap a wave of logins leaves the parsers' blocks
// between the sessions' long-lived ones, and parking frees holes, not pages. In their own heap
// the parked parsers' pages empty whole and go back. A mimalloc heap allocates only on the
// thread that made it: the I/O thread (this one, it runs the server); parsers on other threads
// (parse_element on a storage thread) use the default heap. Any thread may free.
mi_heap_t* g_parser_heap = nullptr;
thread_local bool t_owns_parser_heap = false;

void* parser_malloc(std::size_t n) {
  return t_owns_parser_heap ? mi_heap_malloc(g_parser_heap, n) : mi_malloc(n);
}
void* parser_realloc(void* p, std::size_t n) {
  return t_owns_parser_heap ? mi_heap_realloc(g_parser_heap, p, n) : mi_realloc(p, n);
}
void parser_free(void* p) { mi_free(p); }

// Runs on the I/O thread, which owns both heaps.
void give_back_mimalloc_pages() {
  mi_collect(true);
  mi_heap_collect(g_parser_heap, true);
}

void use_mimalloc() {
  // mimalloc decommits a freed page 25 ms later, but only when that segment is used again: after
  // a crowd has gone, its pages stayed resident (test 31: RSS after a 2,000-connection batch
  // 23 or 42 MiB depending on the sample's timing, against 28 with glibc). At 0 a page goes back
  // when it is freed: 23 MiB after every batch. MIMALLOC_DECOMMIT_DELAY still overrides it.
  mi_option_set_default(mi_option_decommit_delay, 0);
  xmppd::set_return_free_memory(give_back_mimalloc_pages);
  g_parser_heap = mi_heap_new();
  t_owns_parser_heap = true;
  xmppd::set_parser_memory({parser_malloc, parser_realloc, parser_free});
}
#else
// glibc raises its mmap threshold to the size of each large block freed (up to 32 MiB) and its
// trim threshold to twice that, so after one burst of big buffers (a client offering a stanza
// up to the size limit, a 10,000-connection churn) freed memory stays in the heap and RSS
// wanders by megabytes with the history of the process rather than with what it holds. Fixed
// thresholds (glibc's own defaults, made fixed) give the memory back after bursts and keep RSS
// a measure of memory in use, which the memory rules of bad-input.md rely on. An operator's
// GLIBC_TUNABLES for malloc still wins.
void pin_malloc_thresholds() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables && std::strstr(tunables, "glibc.malloc.")) return;
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  mallopt(M_TRIM_THRESHOLD, 128 * 1024);
}
#endif
}  // namespace

int main(int argc, char** argv) {
#if XMPPD_MIMALLOC
  use_mimalloc();
#else
  pin_malloc_thresholds();
#endif
  std::string config_path, ports_file;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) config_path = argv[++i];
    else if (a == "--ports-file" && i + 1 < argc) ports_file = argv[++i];
    else if (a == "--check-config") check_only = true;
    else if (a == "--list-modules") {
      for (const auto& m : xmppd::registered_modules()) std::printf("%-12s %s\n", m.name.c_str(), m.summary.c_str());
      return 0;
    } else {
      usage();
      return 2;
    }
  }
  if (config_path.empty()) {
    usage();
    return 2;
  }
  try {
    xmppd::Config config = xmppd::load_config(config_path);
    if (check_only) {
      std::printf("%s: configuration is valid\n", config_path.c_str());
      return 0;
    }
    xmppd::XmppServer server(std::move(config));
    server.start();
    if (!ports_file.empty()) {
      // For tests and scripts that start the server on port 0: "type address port" lines.
      std::ofstream out(ports_file + ".tmp");
      for (const auto& l : server.listeners()) out << l.type << ' ' << l.address << ' ' << l.port << '\n';
      out.close();
      std::rename((ports_file + ".tmp").c_str(), ports_file.c_str());
    }
    server.run();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xmppd: %s\n", e.what());
    return 1;
  }
}
