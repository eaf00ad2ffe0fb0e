#pragma once

// Small helpers shared by the benchmarks: statistics, HTTP probes with a Host header, and the
// memory of a process tree.

#include <chrono>
#include <string>
#include <vector>

namespace hostplane::bench {

double Median(std::vector<double> v);
double Percentile(std::vector<double> v, double p);  // p in [0, 100], nearest rank

// GET http://127.0.0.1:port/ with Host: host on a fresh connection; true when it answers 200.
bool Answers(int port, const std::string& host);
// Polls Answers() every ~1 ms; returns the seconds it took, or -1 after timeout.
double SecondsUntilAnswering(int port, const std::string& host,
                             std::chrono::steady_clock::time_point t0,
                             std::chrono::seconds timeout);

// VmHWM (peak resident set) and VmRSS of a process in MiB, from /proc/<pid>/status.
double PeakRssMiB(int pid);
double RssMiB(int pid);
// The pids of pid's children (for nginx's workers).
std::vector<int> ChildrenOf(int pid);
// The CPU time (user + system, all threads) a process has used so far, in seconds, from
// /proc/<pid>/stat; -1 when it cannot be read.
double CpuSeconds(int pid);
// The 1-minute load average (/proc/loadavg): on a shared machine, what else was running.
double LoadAverage();

std::string MachineDescription();  // "2 cores, <cpu model>, 24 GiB"

}  // namespace hostplane::bench
