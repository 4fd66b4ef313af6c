// Prometheus metrics of the server, named as vLLM names them where vLLM has
// the same quantity (so existing dashboards work), "ledge:" otherwise.
#pragma once

#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "server/core/scheduler.h"

namespace ledge::server {

class Metrics {
 public:
  Metrics();

  void count_http(const std::string& route, int status);
  void record_finished(const std::string& model, const Usage& usage, const Timings& t, const char* finish_reason);
  void set_queue(const std::string& model, const SchedulerStats& s);
  // Text exposition format (version 0.0.4).
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& http_requests_;
  prometheus::Family<prometheus::Counter>& prompt_tokens_;
  prometheus::Family<prometheus::Counter>& generation_tokens_;
  prometheus::Family<prometheus::Counter>& request_success_;
  prometheus::Family<prometheus::Gauge>& running_;
  prometheus::Family<prometheus::Gauge>& waiting_;
  prometheus::Family<prometheus::Histogram>& ttft_;
  prometheus::Family<prometheus::Histogram>& tpot_;
  prometheus::Family<prometheus::Histogram>& e2e_;
  prometheus::Family<prometheus::Histogram>& queue_time_;
};

}  // namespace ledge::server
