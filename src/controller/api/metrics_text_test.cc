#include "controller/api/metrics_text.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace hostplane::controller {
namespace {

bool HasLine(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l == line) return true;
  }
  return false;
}

TEST(RenderMetrics, EmptyControllerStillListsEverySeries) {
  std::string text = RenderMetrics({});
  for (const char* line : {
           "# TYPE hostplane_tasks gauge",
           "hostplane_tasks{state=\"pending\"} 0",
           "hostplane_tasks{state=\"applied\"} 0",
           "hostplane_tasks{state=\"failed\"} 0",
           "hostplane_tasks{state=\"retry\"} 0",
           "hostplane_tasks{state=\"superseded\"} 0",
           "# TYPE hostplane_task_apply_latency_seconds histogram",
           "hostplane_task_apply_latency_seconds_bucket{le=\"0.01\"} 0",
           "hostplane_task_apply_latency_seconds_bucket{le=\"+Inf\"} 0",
           "hostplane_task_apply_latency_seconds_sum 0",
           "hostplane_task_apply_latency_seconds_count 0",
           "hostplane_reports_total 0",
           "hostplane_reloads_total 0",
           "hostplane_task_results_total{state=\"failed\"} 0",
           "hostplane_fetches_total 0",
           "hostplane_keys_sent_total 0",
           "hostplane_nodes 0",
           "# TYPE hostplane_http_connections gauge",
           "hostplane_http_long_polls 0",
           "hostplane_http_requests_total 0",
           "hostplane_http_refused_total{reason=\"busy\"} 0",
           "hostplane_http_refused_total{reason=\"too_large\"} 0",
           "hostplane_http_refused_total{reason=\"connection_cap\"} 0",
           "hostplane_http_workers_busy{pool=\"read\"} 0",
           "hostplane_http_workers_busy{pool=\"change\"} 0",
           "hostplane_http_queued{pool=\"read\"} 0",
           "hostplane_http_queued{pool=\"change\"} 0",
       }) {
    EXPECT_TRUE(HasLine(text, line)) << line << "\n" << text;
  }
  EXPECT_EQ(text.back(), '\n');
}

TEST(RenderMetrics, RendersCountsHistogramAndNodes) {
  MetricsSnapshot s;
  s.tasks.by_state = {{"pending", 2}, {"applied", 40}};
  s.engine.latency_buckets_s = {0.05, 0.1, 2.5};
  s.engine.latency_counts = {3, 7, 9, 10};
  s.engine.latency_sum_s = 4.25;
  s.engine.latency_count = 10;
  s.engine.reports = 12;
  s.engine.fetches = 5;
  s.engine.keys_sent = 6;
  s.engine.reloads = 3;
  s.engine.results = {{"applied", 9}, {"failed", 1}};
  Node web1;
  web1.name = "web1";
  web1.head_revision = 42;
  web1.applied_revision = 40;
  Node odd;
  odd.name = "we\"ird\\\n";  // escaped, whatever a future name grammar allows
  s.nodes = {web1, odd};
  s.http.connections = 7;
  s.http.refused_busy = 4;
  s.http.read_busy = 2;
  s.http.change_queued = 5;

  std::string text = RenderMetrics(s);
  for (const char* line : {
           "hostplane_tasks{state=\"pending\"} 2",
           "hostplane_tasks{state=\"applied\"} 40",
           "hostplane_task_apply_latency_seconds_bucket{le=\"0.05\"} 3",
           "hostplane_task_apply_latency_seconds_bucket{le=\"0.1\"} 7",
           "hostplane_task_apply_latency_seconds_bucket{le=\"2.5\"} 9",
           "hostplane_task_apply_latency_seconds_bucket{le=\"+Inf\"} 10",
           "hostplane_task_apply_latency_seconds_sum 4.25",
           "hostplane_task_apply_latency_seconds_count 10",
           "hostplane_reports_total 12",
           "hostplane_reloads_total 3",
           "hostplane_task_results_total{state=\"applied\"} 9",
           "hostplane_task_results_total{state=\"failed\"} 1",
           "hostplane_task_results_total{state=\"retry\"} 0",
           "hostplane_fetches_total 5",
           "hostplane_keys_sent_total 6",
           "hostplane_nodes 2",
           "hostplane_node_head_revision{node=\"web1\"} 42",
           "hostplane_node_applied_revision{node=\"web1\"} 40",
           "hostplane_node_head_revision{node=\"we\\\"ird\\\\\\n\"} 0",
       }) {
    EXPECT_TRUE(HasLine(text, line)) << line << "\n" << text;
  }
}

}  // namespace
}  // namespace hostplane::controller
