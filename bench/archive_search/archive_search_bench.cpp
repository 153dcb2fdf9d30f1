// Issue 5 benchmark: full-text archive search on a generated Polish corpus with Zipf-distributed
// word frequencies, on SQLite or MariaDB, through the ArchiveStore every query goes through.
//
//   xmppd-archive-bench --backend sqlite|mariadb --messages 100000 [--queries 200] [--dir D]
//                       [--no-load] [--interval-ms 30000]
//   (MariaDB: the server named by XMPPD_TEST_MARIADB, as the storage tests; its database is
//   dropped and created again. --no-load: query the database a previous run with the same
//   --messages filled, without dropping or loading it.)
//
// Corpus: 10 archives (rooms) of equal size, one message every --interval-ms (30 s: 1,000,000
// messages span 347 days, as a service's archive does; the id is the time, see xmppd/archive.hpp); 20,000 generated words with Polish letters, drawn
// with Zipf s=1; 6-20 words a message. Planted: a word and a phrase in exactly 100 messages each,
// a word in 10% of messages. Prints the write throughput and, per query kind, p50/p99 of the
// first page (20 newest, with count and index as the MAM module asks) in one archive and in
// "3 of 10 rooms" (ArchiveQuery::more_owners, as for a user allowed three rooms), and the
// process's CPU seconds (user + system) for the load and for the queries.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sys/resource.h>
#include <string>
#include <vector>

#include "storage/storage_factory.hpp"
#include "xmppd/asio.hpp"
#include "xmppd/storage.hpp"

using namespace xmppd;
using Clock = std::chrono::steady_clock;

namespace {

std::string arg(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return def;
}

std::vector<std::string> make_vocabulary(std::mt19937_64& rng, int n) {
  static const char* syllables[] = {"ża", "ró", "ść", "ną", "ko", "wie", "ło", "dź", "pra", "cę", "fun", "du",
                                    "sze", "my", "ta", "rze", "ki", "go", "wa", "nie", "lą", "mi", "ję", "przy",
                                    "sta", "ło", "zo", "bą", "cja", "ry"};
  std::uniform_int_distribution<int> len(2, 4), pick(0, std::size(syllables) - 1);
  std::vector<std::string> words;
  while (static_cast<int>(words.size()) < n) {
    std::string w;
    for (int i = len(rng); i > 0; --i) w += syllables[pick(rng)];
    words.push_back(w + std::to_string(words.size() % 97));  // distinct words
  }
  return words;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

template <class T>
T run(asio::io_context& io, Task<T> task) {
  std::optional<T> out;
  std::exception_ptr error;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T v) {
    error = e;
    if (!e) out = std::move(v);
  });
  io.restart();
  io.run();
  if (error) std::rethrow_exception(error);
  return std::move(*out);
}

void run(asio::io_context& io, Task<void> task) {
  std::exception_ptr error;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e) { error = e; });
  io.restart();
  io.run();
  if (error) std::rethrow_exception(error);
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure as soon as it is measured
  std::string backend = arg(argc, argv, "--backend", "sqlite");
  long messages = std::stol(arg(argc, argv, "--messages", "100000"));
  int queries = std::stoi(arg(argc, argv, "--queries", "200"));
  // 0: one microsecond apart (the corpus of the runs before 30 Nov 2026).
  std::int64_t interval_us = std::max<std::int64_t>(1, std::stoll(arg(argc, argv, "--interval-ms", "30000")) * 1000);
  bool load = std::find_if(argv + 1, argv + argc, [](const char* a) { return std::string(a) == "--no-load"; }) == argv + argc;
  StorageConfig config;
  config.backend = backend;
  if (backend == "sqlite") {
    std::string dir = arg(argc, argv, "--dir", "/tmp/xmppd-archive-bench");
    if (load) std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    config.sqlite_path = dir + "/bench.sqlite";
  } else {
    const char* spec = std::getenv("XMPPD_TEST_MARIADB");
    if (!spec) {
      std::fprintf(stderr, "XMPPD_TEST_MARIADB is not set (tests/mariadb/start-test-server.sh)\n");
      return 2;
    }
    std::string s = spec;
    for (std::size_t start = 0; start < s.size();) {
      std::size_t end = s.find(';', start);
      if (end == std::string::npos) end = s.size();
      std::string kv = s.substr(start, end - start);
      start = end + 1;
      auto eq = kv.find('=');
      if (eq == std::string::npos) continue;
      std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
      if (k == "host") config.mariadb_host = v;
      else if (k == "port") config.mariadb_port = static_cast<unsigned>(std::stoul(v));
      else if (k == "socket") config.mariadb_socket = v;
      else if (k == "user") config.mariadb_user = v;
      else if (k == "password") config.mariadb_password = v;
      else if (k == "database") config.mariadb_database = v;
    }
    std::string cmd = "mariadb -h " + config.mariadb_host + " -P " + std::to_string(config.mariadb_port) + " -u " +
                      config.mariadb_user + " -e 'DROP DATABASE IF EXISTS `" + config.mariadb_database +
                      "`; CREATE DATABASE `" + config.mariadb_database + "` CHARACTER SET utf8mb4'";
    if (load && std::system(cmd.c_str()) != 0) return 2;
  }
  auto storage = open_storage(config);
  asio::io_context io;
  ArchiveStore& archive = storage->archive();

  std::mt19937_64 rng(20261129);
  auto vocab = make_vocabulary(rng, 20000);
  std::vector<double> cdf(vocab.size());
  double sum = 0;
  for (std::size_t i = 0; i < vocab.size(); ++i) cdf[i] = (sum += 1.0 / static_cast<double>(i + 1));
  std::uniform_real_distribution<double> u(0, sum);
  auto zipf_word = [&] { return vocab[std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin()]; };
  std::uniform_int_distribution<int> length(6, 20);
  std::bernoulli_distribution ten_percent(0.10);
  std::uniform_int_distribution<long> pick_message(0, messages - 1);
  std::vector<char> planted(messages, 0);  // 1: the word, 2: the phrase
  for (int k : {1, 2})
    for (int n = 0; n < 100;) {
      long m = pick_message(rng);
      if (!planted[m]) planted[m] = static_cast<char>(k), ++n;
    }

  const std::int64_t base = 1'700'000'000'000'000;
  auto t0 = Clock::now();
  std::vector<ArchiveRecord> batch;
  for (long i = 0; load && i < messages; ++i) {
    std::string text;
    for (int w = length(rng); w > 0; --w) text += zipf_word() + ' ';
    if (ten_percent(rng)) text += "fundusze ";
    if (planted[i] == 1) text += "Grzegżółka ";
    if (planted[i] == 2) text += "pięć żółtych łabędzi ";
    ArchiveRecord r;
    r.id = base + i * interval_us;
    r.owner = "room" + std::to_string(i % 10) + "@conference.example.org";
    r.with = r.owner;
    r.with_resource = "konsultant" + std::to_string(i % 7);
    r.direction = ArchiveDirection::room;
    r.stamp_us = r.id;
    r.xml = "<message xmlns='jabber:client' type='groupchat'><body>" + text + "</body></message>";
    r.text = std::move(text);
    batch.push_back(std::move(r));
    if (batch.size() == 500 || i + 1 == messages) run(io, archive.append(std::move(batch))), batch.clear();
  }
  double write_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::fflush(stdout);
  double load_cpu = cpu_seconds();
  auto loadavg = [] {
    char buf[128] = {};
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
      if (!std::fgets(buf, sizeof buf, f)) buf[0] = 0;
      std::fclose(f);
    }
    std::string s = buf;
    return s.substr(0, s.find(' ', s.find(' ', s.find(' ') + 1) + 1));
  };
  if (load)
    std::printf("backend %s, %ld messages: written in %.1f s (%.0f messages/s, batches of 500), %.1f CPU-s in this process; load average %s\n",
                backend.c_str(), messages, write_s, messages / write_s, load_cpu, loadavg().c_str());

  struct Kind {
    const char* name;
    std::string text;
  };
  for (int rooms : {1, 3})
  for (const Kind& kind : {Kind{"word in 100 messages", "grzegzolka"}, Kind{"phrase in 100 messages", "\"piec zoltych labedzi\""},
                           Kind{"word in 10% of messages", "fundusze"}, Kind{"prefix in 10% (fundu*)", "fundu*"}}) {
    std::vector<double> ms;
    std::size_t found = 0;
    std::int64_t counted = 0;
    for (int q = 0; q < queries; ++q) {
      ArchiveQuery query;
      query.owner = "room" + std::to_string(q % 10) + "@conference.example.org";
      for (int r = 1; r < rooms; ++r)
        query.more_owners.push_back("room" + std::to_string((q + 3 * r) % 10) + "@conference.example.org");
      query.fulltext = kind.text;
      query.max = 20;
      query.from_end = true;  // the 20 newest
      auto t = Clock::now();
      auto page = run(io, archive.query(query));
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
      found += page.records.size();
      counted += page.count.value_or(-1);
    }
    if (ms.empty()) continue;  // --queries 0: the load alone
    std::sort(ms.begin(), ms.end());
    std::printf("  %s room%s, %-26s p50 %7.2f ms  p99 %7.2f ms  (%d queries, %.1f results a page, count %.0f)\n",
                rooms == 1 ? "1 of 10" : "3 of 10", rooms == 1 ? " " : "s", kind.name, ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)], queries,
                static_cast<double>(found) / queries, static_cast<double>(counted) / queries);
  }
  std::printf("queries: %.1f CPU-s in this process; load average %s\n", cpu_seconds() - load_cpu, loadavg().c_str());
  storage->stop();
  return 0;
}
