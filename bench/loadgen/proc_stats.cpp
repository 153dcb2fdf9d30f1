// See proc_stats.hpp.
#include "proc_stats.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace loadgen {

namespace {
struct ProcInfo {
  pid_t ppid = 0;
  double cpu_ticks = 0;
};

bool read_stat(pid_t pid, ProcInfo& out) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  std::ifstream f(path);
  std::string s;
  if (!std::getline(f, s)) return false;
  auto close = s.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream in(s.substr(close + 2));
  std::string state;
  long ppid, skip;
  in >> state >> ppid;
  for (int i = 0; i < 9; ++i) in >> skip;  // pgrp … cmajflt (fields 5-13)
  unsigned long utime, stime;
  long cutime, cstime;
  in >> utime >> stime >> cutime >> cstime;
  if (!in) return false;
  out.ppid = static_cast<pid_t>(ppid);
  out.cpu_ticks = static_cast<double>(utime + stime) + static_cast<double>(cutime + cstime);
  return true;
}

double rss_kib(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", pid);
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6);
  return 0;
}
}  // namespace

TreeSample sample_tree(pid_t root) {
  TreeSample out;
  if (root <= 0) return out;
  std::map<pid_t, ProcInfo> all;
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
      if (pid <= 0) continue;
      ProcInfo info;
      if (read_stat(pid, info)) all[pid] = info;
    }
    closedir(d);
  }
  std::vector<pid_t> tree{root};
  for (std::size_t i = 0; i < tree.size(); ++i)
    for (const auto& [pid, info] : all)
      if (info.ppid == tree[i] && pid != root) tree.push_back(pid);
  double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (pid_t pid : tree) {
    auto it = all.find(pid);
    if (it == all.end()) continue;
    out.cpu_s += it->second.cpu_ticks / hz;
    out.rss_kib += rss_kib(pid);
    ++out.processes;
  }
  return out;
}

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace loadgen
