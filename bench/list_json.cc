// What one list answer costs the controller's CPU to encode, without HTTP or SQL: a page of
// customers (the default page size, 50) turned into the API's JSON text exactly as
// GET /api/v1/customers does it (ToJson per row, ListJson, the server's dump), timed over many
// pages per run; the median of the runs. It counts the thread's CPU time, not wall time, so two
// commits compare on a shared machine (docs/benchmarks.md), which the wrk numbers of
// bench/api_load do not (caches and frequency still vary with the load: compare runs made side
// by side).
//
//   build/bench/hp_bench_list_json [--runs 7] [--pages 2000] [--rows 50]

#include <time.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_util.h"
#include "controller/api/api_call.h"
#include "controller/store/entity_json.h"

namespace hostplane::bench {
namespace {

using controller::Customer;
using controller::Json;

double ThreadCpuMicros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

std::vector<Customer> Page(int rows) {
  std::vector<Customer> page;
  for (int i = 0; i < rows; ++i) {
    Customer c;
    c.id = 1000 + i;
    c.login = "customer" + std::to_string(i);
    c.name = "Customer Number " + std::to_string(i);
    c.email = c.login + "@example.com";
    c.password_hash = i % 2 ? "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA" : "";
    c.plan_id = 1 + i % 3;
    c.uid = 20000 + i;
    c.created_at = 1'765'000'000'000 + i * 1'000;
    c.updated_at = c.created_at + 5'123;
    page.push_back(std::move(c));
  }
  return page;
}

int Main(int argc, char** argv) {
  CLI::App app{"Time the JSON encoding of one list page (GET /api/v1/customers without HTTP/SQL)"};
  int runs = 7, pages = 2000, rows = 50;
  app.add_option("--runs", runs, "runs; the median is reported")->check(CLI::PositiveNumber);
  app.add_option("--pages", pages, "pages encoded per run")->check(CLI::PositiveNumber);
  app.add_option("--rows", rows, "customers per page")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  const std::vector<Customer> page = Page(rows);
  std::vector<double> per_page_us;
  std::size_t bytes = 0;
  for (int r = 0; r < runs; ++r) {
    double start = ThreadCpuMicros();
    for (int p = 0; p < pages; ++p) {
      Json answer = controller::api::ListJson("customers", page, rows);
      bytes = answer.dump(-1, ' ', false, Json::error_handler_t::replace).size();
    }
    per_page_us.push_back((ThreadCpuMicros() - start) / pages);
  }
  std::printf("machine: %s; load average %.1f\n", MachineDescription().c_str(), LoadAverage());
  std::printf("a page of %d customers (%zu bytes of JSON): median %.1f us of CPU to encode (runs:",
              rows, bytes, Median(per_page_us));
  for (double us : per_page_us) std::printf(" %.1f", us);
  std::printf(")\n");
  return 0;
}

}  // namespace
}  // namespace hostplane::bench

int main(int argc, char** argv) { return hostplane::bench::Main(argc, argv); }
