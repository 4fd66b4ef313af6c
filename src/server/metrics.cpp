#include "server/metrics.h"

#include <sstream>

#include <prometheus/text_serializer.h>

namespace ledge::server {

using namespace prometheus;

namespace {
const Histogram::BucketBoundaries kLatencyBuckets = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5,
                                                     0.75,  1.0,   2.5,  5.0,  7.5,  10,   20,   40,  80,  160};
const Histogram::BucketBoundaries kTokenGapBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1,
                                                      0.15,  0.2,    0.3,   0.4,  0.5,   0.75, 1.0,   2.5};
}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<Registry>()),
      http_requests_(BuildCounter().Name("ledge:http_requests_total").Help("HTTP responses by route and status").Register(*registry_)),
      prompt_tokens_(BuildCounter().Name("vllm:prompt_tokens_total").Help("Prefill tokens processed").Register(*registry_)),
      generation_tokens_(BuildCounter().Name("vllm:generation_tokens_total").Help("Generated tokens").Register(*registry_)),
      request_success_(BuildCounter().Name("vllm:request_success_total").Help("Finished requests by finish reason").Register(*registry_)),
      running_(BuildGauge().Name("vllm:num_requests_running").Help("Sequences being generated").Register(*registry_)),
      waiting_(BuildGauge().Name("vllm:num_requests_waiting").Help("Requests waiting for a sequence slot").Register(*registry_)),
      ttft_(BuildHistogram().Name("vllm:time_to_first_token_seconds").Help("Submission to first token").Register(*registry_)),
      tpot_(BuildHistogram().Name("vllm:time_per_output_token_seconds").Help("Mean gap between output tokens").Register(*registry_)),
      e2e_(BuildHistogram().Name("vllm:e2e_request_latency_seconds").Help("Submission to last token").Register(*registry_)),
      queue_time_(BuildHistogram().Name("vllm:request_queue_time_seconds").Help("Time waiting for a sequence slot").Register(*registry_)) {}

void Metrics::count_http(const std::string& route, int status) {
  http_requests_.Add({{"route", route}, {"status", std::to_string(status)}}).Increment();
}

void Metrics::record_finished(const std::string& model, const Usage& usage, const Timings& t, const char* finish_reason) {
  const Labels m{{"model_name", model}};
  prompt_tokens_.Add(m).Increment(usage.prompt_tokens);
  generation_tokens_.Add(m).Increment(usage.completion_tokens);
  request_success_.Add({{"model_name", model}, {"finished_reason", finish_reason}}).Increment();
  if (usage.completion_tokens > 0) ttft_.Add(m, kLatencyBuckets).Observe(t.time_to_first_token_s);
  if (usage.completion_tokens > 1) tpot_.Add(m, kTokenGapBuckets).Observe(t.time_per_output_token_s);
  e2e_.Add(m, kLatencyBuckets).Observe(t.e2e_s);
  queue_time_.Add(m, kLatencyBuckets).Observe(t.queue_s);
}

void Metrics::set_queue(const std::string& model, const SchedulerStats& s) {
  running_.Add({{"model_name", model}}).Set(s.running);
  waiting_.Add({{"model_name", model}}).Set(s.waiting);
}

std::string Metrics::render() const {
  std::ostringstream out;
  TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace ledge::server
