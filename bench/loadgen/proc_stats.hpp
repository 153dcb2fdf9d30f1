// CPU seconds and resident memory of a process tree, read from /proc (the server under test and
// every descendant: ejabberd runs beam.smp, epmd, erl_child_setup…), and the generator's own CPU.
#pragma once
#include <sys/types.h>

namespace loadgen {

struct TreeSample {
  double cpu_s = 0;      // utime+stime (+ reaped children's) summed over the tree
  double rss_kib = 0;    // VmRSS summed over the tree
  int processes = 0;
};

TreeSample sample_tree(pid_t root);
double self_cpu_seconds();  // getrusage(RUSAGE_SELF): user + system

}  // namespace loadgen
