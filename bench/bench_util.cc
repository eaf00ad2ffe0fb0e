#include "bench_util.h"

#include <dirent.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

namespace hostplane::bench {

double Median(std::vector<double> v) { return Percentile(std::move(v), 50); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  if (rank == 0) rank = 1;
  return v[std::min(rank, v.size()) - 1];
}

bool Answers(int port, const std::string& host) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(false);
  client.set_connection_timeout(1);
  client.set_read_timeout(2);
  auto r = client.Get("/", {{"Host", host}});
  return r && r->status == 200;
}

double SecondsUntilAnswering(int port, const std::string& host,
                             std::chrono::steady_clock::time_point t0,
                             std::chrono::seconds timeout) {
  auto deadline = t0 + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Answers(port, host)) {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  return -1;
}

namespace {
double StatusFieldMiB(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::istringstream ss(line.substr(field.size() + 1));
      double kb = 0;
      ss >> kb;
      return kb / 1024.0;
    }
  }
  return 0;
}
}  // namespace

double PeakRssMiB(int pid) { return StatusFieldMiB(pid, "VmHWM"); }
double RssMiB(int pid) { return StatusFieldMiB(pid, "VmRSS"); }

std::vector<int> ChildrenOf(int pid) {
  std::vector<int> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    int p = std::atoi(e->d_name);
    if (p <= 0) continue;
    std::ifstream in("/proc/" + std::to_string(p) + "/stat");
    std::string stat;
    std::getline(in, stat);
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream ss(stat.substr(close + 2));
    char state;
    int ppid = 0;
    ss >> state >> ppid;
    if (ppid == pid) out.push_back(p);
  }
  ::closedir(d);
  return out;
}

double CpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  // After the command's ')': state (field 3) ... utime (14) and stime (15), in clock ticks.
  std::istringstream ss(stat.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && ss >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  if (!ss) return -1;
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double one = -1;
  in >> one;
  return one;
}

std::string MachineDescription() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  std::ostringstream out;
  out << ::sysconf(_SC_NPROCESSORS_ONLN) << " cores, " << model << ", "
      << (static_cast<double>(pages) * static_cast<double>(page) / (1 << 30)) << " GiB";
  return out.str();
}

}  // namespace hostplane::bench
