// Continuous batching over one Engine. A Scheduler owns its engine and one
// thread that loops: admit queued requests into free sequence slots, build ONE
// batch (a decode token per running sequence plus prompt chunks of admitted
// requests within a per-step token budget), run one forward pass, sample per
// sequence and push text deltas to each request's sink. It knows nothing of
// HTTP or JSON: the server turns its events and submit outcomes into both.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/engine.h"
#include "runtime/sampler.h"
#include "runtime/text_stream.h"
#include "server/core/logprobs.h"
#include "tokenizer/tokenizer.h"

namespace ledge::server {

struct SchedulerOptions {
  int32_t max_queue = 64;          // waiting requests beyond the running ones; more are rejected at once
  int32_t step_token_budget = 128; // tokens per forward pass (decode tokens + prompt chunks)
  double request_timeout_s = 600;  // from submission to the last token; 0 = no limit
};

struct SchedulerStats;
// Called on the scheduler thread after every step (and once when it stops),
// so gauges follow the load without being polled; must not block.
using StatsObserver = std::function<void(const SchedulerStats&)>;

struct GenerationRequest {
  std::vector<int32_t> prompt;
  runtime::SamplingParams sampling;
  int32_t max_tokens = 16;
  std::vector<std::string> stop;
  bool ignore_eos = false;
  // -1: no log-probabilities; 0..kMaxTopLogprobs: each generated token's
  // logprob plus this many most probable alternatives.
  int32_t logprobs = -1;
};

struct Usage {
  int32_t prompt_tokens = 0;
  int32_t completion_tokens = 0;
};

struct Timings {
  double queue_s = 0;               // submission -> admitted to a sequence slot
  double time_to_first_token_s = 0; // submission -> first sampled token
  double time_per_output_token_s = 0;  // mean gap between sampled tokens after the first
  double e2e_s = 0;                 // submission -> finished
};

// What a request's sink receives, in order: zero or more kText, then exactly
// one kDone or kError (after which nothing more arrives).
struct GenerationEvent {
  enum class Kind { kText, kDone, kError };
  enum class Failure { kNone, kInternal, kTimeout, kShutdown };
  Kind kind = Kind::kText;
  Failure failure = Failure::kNone; // kError: why
  std::string text;                 // kText: the new text; kError: the message
  std::vector<int32_t> tokens;      // kText: the sampled ids that produced it
  // kText and kDone, when requested: one entry per generated token not yet
  // reported, in order (a token whose text is held back, e.g. an incomplete
  // UTF-8 character, arrives with the next text). The end-of-generation token
  // is not listed; tokens of a stop string are.
  std::vector<TokenLogprobs> logprobs;
  runtime::FinishReason finish = runtime::FinishReason::kNone;  // kDone
  Usage usage;                      // kDone and kError
  Timings timings;                  // kDone
};

// Called on the scheduler thread; must not block (post to your own executor).
using EventSink = std::function<void(GenerationEvent)>;

// Lets the submitter give up on a request (client gone): its slot is freed at
// the next step and its sink gets no more events.
class RequestHandle {
 public:
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

enum class SubmitOutcome { kAccepted, kInvalid, kQueueFull, kShuttingDown };

struct Submission {
  SubmitOutcome outcome = SubmitOutcome::kAccepted;
  std::string message;                    // why it was not accepted
  std::shared_ptr<RequestHandle> handle;  // set when accepted
};

struct SchedulerStats {
  int32_t waiting = 0;
  int32_t running = 0;
  int64_t steps = 0;
  int64_t max_batch_seen = 0;  // largest number of sequences in one forward pass
};

class Scheduler {
 public:
  // Loads the model (engine + its tokenizer) and starts the scheduler thread.
  // The step budget is clamped to [n_parallel + 1, engine max_batch].
  static Result<std::unique_ptr<Scheduler>> create(const std::string& model_path, const runtime::EngineOptions& eo,
                                                   const SchedulerOptions& so);
  // Set before the first submit().
  void set_stats_observer(StatsObserver fn) { observer_ = std::move(fn); }
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  const runtime::Engine& engine() const { return *engine_; }
  const tokenizer::Tokenizer& tokenizer() const { return *tok_; }
  int32_t n_ctx() const { return engine_->n_ctx(); }
  int32_t n_parallel() const { return n_parallel_; }

  // Validates (prompt ids, sampling ranges, prompt + max_tokens within the
  // context) and queues. Never blocks on the engine.
  Submission submit(GenerationRequest req, EventSink sink);

  SchedulerStats stats() const;

  // Stops accepting, lets queued and running requests finish for up to
  // `drain` seconds, cancels what is left (sinks get kError) and joins the
  // thread. Idempotent.
  void shutdown(double drain_s);

 private:
  struct Job;
  Scheduler(std::unique_ptr<runtime::Engine> engine, std::unique_ptr<tokenizer::Tokenizer> tok,
            const runtime::EngineOptions& eo, SchedulerOptions so);
  void loop();
  bool step();  // one forward pass; false when idle
  void admit_locked(std::chrono::steady_clock::time_point now);
  void finish(Job& job, runtime::FinishReason reason);
  void fail(Job& job, const std::string& message, GenerationEvent::Failure why = GenerationEvent::Failure::kInternal);
  void release(Job& job);
  void notify_stats();

  std::unique_ptr<runtime::Engine> engine_;
  std::unique_ptr<tokenizer::Tokenizer> tok_;
  SchedulerOptions opts_;
  int32_t n_parallel_ = 1;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Job>> queue_;  // guarded by mu_
  bool accepting_ = true;                   // guarded by mu_
  bool stop_ = false;                       // guarded by mu_
  std::atomic<int32_t> running_{0};
  std::atomic<int64_t> steps_{0};
  std::atomic<int64_t> max_batch_seen_{0};

  // Scheduler-thread state.
  std::vector<std::unique_ptr<Job>> active_;
  std::vector<model::BatchToken> batch_;
  std::vector<float> logits_;
  std::vector<int32_t> eog_;         // sorted end-of-generation ids (not listed in logprobs)
  std::vector<int32_t> lp_order_;    // scratch for top-k logprobs
  StatsObserver observer_;
  std::thread thread_;
};

}  // namespace ledge::server
