#include "controller/api/metrics_text.h"

#include <fmt/format.h>

#include <map>

namespace hostplane::controller {
namespace {

// Label values escape backslash, double quote and newline (exposition format 0.0.4).
std::string EscapeLabel(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Shortest round-trip form ("0.01", "2.5", "1"); Prometheus parses Go floats.
std::string Number(double v) { return fmt::format("{}", v); }

void Header(std::string& out, const char* name, const char* type, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

std::string RenderMetrics(const MetricsSnapshot& s) {
  std::string out;

  // Every known state is always present, so a dashboard's series never disappear at zero.
  std::map<std::string, int64_t> by_state = {{"pending", 0}, {"applied", 0}, {"failed", 0},
                                             {"retry", 0},   {"running", 0}, {"superseded", 0}};
  for (const auto& [state, n] : s.tasks.by_state) by_state[state] = n;
  Header(out, "hostplane_tasks", "gauge", "Tasks in the store by state.");
  for (const auto& [state, n] : by_state) {
    out += fmt::format("hostplane_tasks{{state=\"{}\"}} {}\n", EscapeLabel(state), n);
  }

  const EngineMetrics& m = s.engine;
  Header(out, "hostplane_task_apply_latency_seconds", "histogram",
         "Time agents took to apply a task, as they report it.");
  for (size_t i = 0; i < m.latency_buckets_s.size(); ++i) {
    uint64_t n = i < m.latency_counts.size() ? m.latency_counts[i] : 0;
    out += fmt::format("hostplane_task_apply_latency_seconds_bucket{{le=\"{}\"}} {}\n",
                       Number(m.latency_buckets_s[i]), n);
  }
  // The +Inf bucket always equals the count (every observation is <= +Inf).
  out += fmt::format("hostplane_task_apply_latency_seconds_bucket{{le=\"+Inf\"}} {}\n",
                     m.latency_count);
  out += fmt::format("hostplane_task_apply_latency_seconds_sum {}\n", Number(m.latency_sum_s));
  out += fmt::format("hostplane_task_apply_latency_seconds_count {}\n", m.latency_count);

  Header(out, "hostplane_reloads_total", "counter", "Daemon reloads the agents reported.");
  out += fmt::format("hostplane_reloads_total {}\n", m.reloads);
  Header(out, "hostplane_task_results_total", "counter",
         "Task results recorded, by the state they left the task in.");
  std::map<std::string, uint64_t> results = {
      {"applied", 0}, {"failed", 0}, {"retry", 0}, {"running", 0}};
  for (const auto& [state, n] : m.results) results[state] = n;
  for (const auto& [state, n] : results) {
    out += fmt::format("hostplane_task_results_total{{state=\"{}\"}} {}\n", EscapeLabel(state), n);
  }
  Header(out, "hostplane_reports_total", "counter", "Reports (batches of results) from agents.");
  out += fmt::format("hostplane_reports_total {}\n", m.reports);
  Header(out, "hostplane_fetches_total", "counter", "Task bundles served to agents.");
  out += fmt::format("hostplane_fetches_total {}\n", m.fetches);
  Header(out, "hostplane_keys_sent_total", "counter", "Doorbell keys published to nodes.");
  out += fmt::format("hostplane_keys_sent_total {}\n", m.keys_sent);

  Header(out, "hostplane_nodes", "gauge", "Nodes registered.");
  out += fmt::format("hostplane_nodes {}\n", s.nodes.size());
  Header(out, "hostplane_node_head_revision", "gauge", "Newest task revision issued to a node.");
  for (const Node& n : s.nodes) {
    out += fmt::format("hostplane_node_head_revision{{node=\"{}\"}} {}\n", EscapeLabel(n.name),
                       n.head_revision);
  }
  Header(out, "hostplane_node_applied_revision", "gauge",
         "Newest task revision a node's agent reported as applied.");
  for (const Node& n : s.nodes) {
    out += fmt::format("hostplane_node_applied_revision{{node=\"{}\"}} {}\n", EscapeLabel(n.name),
                       n.applied_revision);
  }

  const http::HttpServerStats& h = s.http;
  Header(out, "hostplane_http_connections", "gauge", "API connections open.");
  out += fmt::format("hostplane_http_connections {}\n", h.connections);
  Header(out, "hostplane_http_long_polls", "gauge", "Long polls waiting for their answer.");
  out += fmt::format("hostplane_http_long_polls {}\n", h.long_polls);
  Header(out, "hostplane_http_requests_total", "counter", "Answers the API sent.");
  out += fmt::format("hostplane_http_requests_total {}\n", h.requests);
  Header(out, "hostplane_http_refused_total", "counter",
         "Requests and connections the API's front refused, by reason.");
  out += fmt::format("hostplane_http_refused_total{{reason=\"busy\"}} {}\n", h.refused_busy);
  out +=
      fmt::format("hostplane_http_refused_total{{reason=\"too_large\"}} {}\n", h.refused_too_large);
  out += fmt::format("hostplane_http_refused_total{{reason=\"connection_cap\"}} {}\n",
                     h.refused_connections);
  Header(out, "hostplane_http_workers_busy", "gauge",
         "API worker threads running a handler, by pool (read: GET and HEAD; change: the rest).");
  out += fmt::format("hostplane_http_workers_busy{{pool=\"read\"}} {}\n", h.read_busy);
  out += fmt::format("hostplane_http_workers_busy{{pool=\"change\"}} {}\n", h.change_busy);
  Header(out, "hostplane_http_queued", "gauge",
         "API requests waiting for a worker, by pool (503 when a pool's queue is full).");
  out += fmt::format("hostplane_http_queued{{pool=\"read\"}} {}\n", h.read_queued);
  out += fmt::format("hostplane_http_queued{{pool=\"change\"}} {}\n", h.change_queued);
  return out;
}

}  // namespace hostplane::controller
