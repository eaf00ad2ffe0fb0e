#pragma once

// The /metrics page in the Prometheus text exposition format 0.0.4, written here by hand on
// purpose: no Prometheus client library is packaged in Debian, and the format is a few lines of
// "name{label="value"} number". RenderMetrics is pure, so the page is tested without a server.
//
// Metrics:
//   hostplane_tasks{state}                      gauge, tasks in the store per state
//   hostplane_task_apply_latency_seconds        histogram, apply duration reported by agents
//   hostplane_reloads_total                     counter, daemon reloads agents reported
//   hostplane_task_results_total{state}         counter, results recorded (applied/failed/retry)
//   hostplane_reports_total                     counter, reports received from agents
//   hostplane_fetches_total                     counter, bundles served to agents
//   hostplane_keys_sent_total                   counter, doorbells published
//   hostplane_nodes                             gauge, nodes registered
//   hostplane_node_head_revision{node}          gauge, newest revision issued to a node
//   hostplane_node_applied_revision{node}       gauge, newest revision the node applied
//   hostplane_http_connections                  gauge, API connections open
//   hostplane_http_long_polls                   gauge, long polls waiting (no thread each)
//   hostplane_http_requests_total               counter, answers the API sent
//   hostplane_http_refused_total{reason}        counter, busy (503), too_large (413),
//                                               connection_cap (closed at accept)

#include <string>
#include <vector>

#include "controller/engine/task_engine.h"
#include "controller/http/http_server.h"
#include "controller/store/store.h"

namespace hostplane::controller {

struct MetricsSnapshot {
  TaskStats tasks;
  EngineMetrics engine;
  std::vector<Node> nodes;
  http::HttpServerStats http;
};

std::string RenderMetrics(const MetricsSnapshot& snapshot);

// The Content-Type of the page.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace hostplane::controller
