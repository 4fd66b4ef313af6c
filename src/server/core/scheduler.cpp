#include "server/core/scheduler.h"

#include <algorithm>

namespace ledge::server {

using Clock = std::chrono::steady_clock;

namespace {
double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }
}  // namespace

struct Scheduler::Job {
  GenerationRequest req;
  EventSink sink;
  std::shared_ptr<RequestHandle> handle;
  Clock::time_point submitted, admitted, first_token, last_token;
  std::unique_ptr<runtime::Sampler> sampler;
  std::unique_ptr<runtime::TextStream> stream;
  std::vector<int32_t> history;  // prompt + generated: what the penalties look at
  kv::SeqId seq = 0;
  bool has_seq = false;
  size_t n_prefilled = 0;  // prompt tokens already in the KV cache
  int32_t n_past = 0;      // tokens in the KV cache
  int32_t pending = -1;    // sampled token still to be fed
  int32_t n_generated = 0;
  bool done = false;
  std::vector<TokenLogprobs> logprobs;  // computed, not yet sent
};

Result<std::unique_ptr<Scheduler>> Scheduler::create(const std::string& model_path, const runtime::EngineOptions& eo,
                                                     const SchedulerOptions& so) {
  if (so.max_queue < 0) return Error{"max queue must be >= 0, got " + std::to_string(so.max_queue)};
  if (eo.max_batch < eo.n_parallel + 1)
    return Error{"batch size " + std::to_string(eo.max_batch) + " must exceed the parallel sequences " +
                 std::to_string(eo.n_parallel) + " (one decode token each plus prompt tokens)"};
  auto engine = runtime::Engine::load(model_path, eo);
  if (!engine.ok()) return Error{model_path + ": " + engine.message()};
  auto tok = tokenizer::Tokenizer::from_gguf((*engine)->model().file());
  if (!tok.ok()) return Error{model_path + ": tokenizer: " + tok.message()};
  return std::unique_ptr<Scheduler>(new Scheduler(std::move(engine).value(), std::move(tok).value(), eo, so));
}

Scheduler::Scheduler(std::unique_ptr<runtime::Engine> engine, std::unique_ptr<tokenizer::Tokenizer> tok,
                     const runtime::EngineOptions& eo, SchedulerOptions so)
    : engine_(std::move(engine)), tok_(std::move(tok)), opts_(so), n_parallel_(eo.n_parallel) {
  opts_.step_token_budget = std::clamp(opts_.step_token_budget, n_parallel_ + 1, eo.max_batch);
  eog_ = runtime::end_of_generation_tokens(*tok_);
  thread_ = std::thread([this] { loop(); });
}

Scheduler::~Scheduler() { shutdown(0); }

Submission Scheduler::submit(GenerationRequest req, EventSink sink) {
  Submission s;
  auto invalid = [&](std::string msg) {
    s.outcome = SubmitOutcome::kInvalid;
    s.message = std::move(msg);
    return s;
  };
  if (req.prompt.empty()) return invalid("the prompt is empty");
  if (req.max_tokens < 0) return invalid("max_tokens must be >= 0, got " + std::to_string(req.max_tokens));
  if (int64_t(req.prompt.size()) + req.max_tokens > engine_->n_ctx())
    return invalid("prompt (" + std::to_string(req.prompt.size()) + " tokens) + max_tokens (" +
                   std::to_string(req.max_tokens) + ") exceeds the context size " + std::to_string(engine_->n_ctx()));
  for (size_t i = 0; i < req.prompt.size(); ++i)
    if (req.prompt[i] < 0 || req.prompt[i] >= engine_->n_vocab())
      return invalid("prompt token id " + std::to_string(req.prompt[i]) + " at index " + std::to_string(i) +
                     " is out of the vocabulary [0, " + std::to_string(engine_->n_vocab()) + ")");
  if (auto st = req.sampling.validate(engine_->n_vocab()); !st.ok()) return invalid(st.message());
  if (req.logprobs < -1 || req.logprobs > kMaxTopLogprobs)
    return invalid("top logprobs must be in [0, " + std::to_string(kMaxTopLogprobs) + "], got " +
                   std::to_string(req.logprobs));

  auto job = std::make_unique<Job>();
  job->req = std::move(req);
  job->sink = std::move(sink);
  job->handle = std::make_shared<RequestHandle>();
  job->submitted = Clock::now();
  s.handle = job->handle;
  {
    std::lock_guard lk(mu_);
    if (!accepting_) {
      s.outcome = SubmitOutcome::kShuttingDown;
      s.message = "the server is shutting down";
      s.handle.reset();
      return s;
    }
    // Free slots count as capacity: a request that will be admitted at the
    // next step is not "waiting" in the user's sense.
    if (int64_t(queue_.size()) + running_.load() >= int64_t(opts_.max_queue) + n_parallel_) {
      s.outcome = SubmitOutcome::kQueueFull;
      s.message = "the request queue is full (" + std::to_string(opts_.max_queue) + " waiting, " +
                  std::to_string(n_parallel_) + " running)";
      s.handle.reset();
      return s;
    }
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return s;
}

void Scheduler::notify_stats() {
  if (observer_) observer_(stats());
}

SchedulerStats Scheduler::stats() const {
  SchedulerStats st;
  {
    std::lock_guard lk(mu_);
    st.waiting = int32_t(queue_.size());
  }
  st.running = running_.load();
  st.steps = steps_.load();
  st.max_batch_seen = max_batch_seen_.load();
  return st;
}

void Scheduler::shutdown(double drain_s) {
  {
    std::lock_guard lk(mu_);
    accepting_ = false;
  }
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(drain_s));
  while (Clock::now() < deadline) {
    {
      std::lock_guard lk(mu_);
      if (queue_.empty() && running_.load() == 0) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::loop() {
  for (;;) {
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stop_ || !queue_.empty() || !active_.empty(); });
      if (stop_) break;
    }
    step();
    notify_stats();
  }
  // Whatever is left when the drain time ran out gets a clear error.
  std::deque<std::unique_ptr<Job>> left;
  {
    std::lock_guard lk(mu_);
    left.swap(queue_);
  }
  for (auto& j : left)
    if (!j->handle->cancelled())
      fail(*j, "the server shut down before the request finished", GenerationEvent::Failure::kShutdown);
  for (auto& j : active_)
    if (!j->done) {
      if (j->handle->cancelled())
        release(*j);
      else
        fail(*j, "the server shut down before the request finished", GenerationEvent::Failure::kShutdown);
    }
  active_.clear();
  notify_stats();
}

void Scheduler::admit_locked(Clock::time_point now) {
  const auto timeout = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opts_.request_timeout_s));
  for (auto it = queue_.begin(); it != queue_.end();) {
    Job& j = **it;
    if (j.handle->cancelled()) {
      it = queue_.erase(it);
    } else if (opts_.request_timeout_s > 0 && now - j.submitted > timeout) {
      fail(j, "the request timed out after " + std::to_string(opts_.request_timeout_s) + " s in the queue");
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  while (int32_t(active_.size()) < n_parallel_ && !queue_.empty()) {
    std::unique_ptr<Job> j = std::move(queue_.front());
    queue_.pop_front();
    auto seq = engine_->new_sequence();
    if (!seq.ok()) {  // cannot happen while active_ tracks every live sequence; fail loudly, not silently
      fail(*j, "no free sequence slot: " + seq.message());
      continue;
    }
    j->seq = *seq;
    j->has_seq = true;
    running_.fetch_add(1);
    j->admitted = now;
    j->sampler = std::make_unique<runtime::Sampler>(j->req.sampling);
    j->stream = std::make_unique<runtime::TextStream>(*tok_, j->req.stop, j->req.ignore_eos);
    j->history = j->req.prompt;
    active_.push_back(std::move(j));
  }
}

void Scheduler::release(Job& job) {
  if (job.has_seq) {
    engine_->free_sequence(job.seq);
    running_.fetch_sub(1);  // before any final event, so a client that saw it sees the slot free
  }
  job.has_seq = false;
  job.done = true;
}

void Scheduler::fail(Job& job, const std::string& message, GenerationEvent::Failure why) {
  release(job);
  GenerationEvent ev;
  ev.kind = GenerationEvent::Kind::kError;
  ev.failure = why;
  ev.text = message;
  ev.usage = {int32_t(job.req.prompt.size()), job.n_generated};
  job.sink(std::move(ev));
}

void Scheduler::finish(Job& job, runtime::FinishReason reason) {
  std::string tail = job.stream->finish(reason);
  if (!tail.empty()) {
    GenerationEvent t;
    t.text = std::move(tail);
    t.logprobs = std::move(job.logprobs);
    job.logprobs.clear();
    job.sink(std::move(t));
  }
  release(job);
  const auto now = Clock::now();
  GenerationEvent ev;
  ev.kind = GenerationEvent::Kind::kDone;
  ev.finish = job.stream->reason();
  ev.logprobs = std::move(job.logprobs);  // tokens whose text never showed (e.g. a stop string)
  job.logprobs.clear();
  ev.usage = {int32_t(job.req.prompt.size()), job.n_generated};
  ev.timings.queue_s = seconds(job.submitted, job.admitted);
  ev.timings.time_to_first_token_s = job.n_generated > 0 ? seconds(job.submitted, job.first_token) : 0;
  ev.timings.time_per_output_token_s =
      job.n_generated > 1 ? seconds(job.first_token, job.last_token) / double(job.n_generated - 1) : 0;
  ev.timings.e2e_s = seconds(job.submitted, now);
  job.sink(std::move(ev));
}

bool Scheduler::step() {
  const auto now = Clock::now();
  {
    std::lock_guard lk(mu_);
    admit_locked(now);
  }
  const auto timeout = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opts_.request_timeout_s));
  for (auto& j : active_) {
    if (j->handle->cancelled())
      release(*j);
    else if (opts_.request_timeout_s > 0 && now - j->submitted > timeout)
      fail(*j, "the request timed out after " + std::to_string(opts_.request_timeout_s) + " s",
           GenerationEvent::Failure::kTimeout);
    else if (j->req.max_tokens == 0 && j->n_prefilled == j->req.prompt.size())
      finish(*j, runtime::FinishReason::kLength);
  }
  std::erase_if(active_, [](const auto& j) { return j->done; });
  if (active_.empty()) return false;

  // Decode tokens first: running streams advance every step however long the
  // pending prompts are; prompts fill the rest of the budget in FIFO order.
  batch_.clear();
  std::vector<Job*> row_owner;  // job of each logits row, in batch order
  std::vector<std::pair<Job*, int32_t>> fed;  // job, tokens fed this step
  for (auto& j : active_) {
    if (j->pending < 0) continue;
    batch_.push_back({j->pending, j->n_past, j->seq, true});
    row_owner.push_back(j.get());
    fed.push_back({j.get(), 1});
  }
  const size_t n_decode = batch_.size();
  for (auto& j : active_) {
    const size_t remaining = j->req.prompt.size() - j->n_prefilled;
    if (remaining == 0) continue;
    const size_t room = size_t(opts_.step_token_budget) > batch_.size() ? size_t(opts_.step_token_budget) - batch_.size() : 0;
    const size_t chunk = std::min(remaining, room);
    if (chunk == 0) break;
    for (size_t i = 0; i < chunk; ++i) {
      const size_t k = j->n_prefilled + i;
      const bool last = k + 1 == j->req.prompt.size() && j->req.max_tokens > 0;
      batch_.push_back({j->req.prompt[k], int32_t(k), j->seq, last});
      if (last) row_owner.push_back(j.get());
    }
    fed.push_back({j.get(), int32_t(chunk)});
  }
  if (batch_.empty()) return false;
  max_batch_seen_.store(std::max<int64_t>(max_batch_seen_.load(), int64_t(row_owner.size())));
  (void)n_decode;

  Status st = engine_->decode(batch_, logits_);
  steps_.fetch_add(1);
  if (!st.ok()) {
    for (auto& [j, n] : fed) fail(*j, "forward pass failed: " + st.message());
    std::erase_if(active_, [](const auto& j) { return j->done; });
    return true;
  }
  for (auto& [j, n] : fed) {
    j->n_past += n;
    if (j->pending >= 0) {
      j->pending = -1;
    } else {
      j->n_prefilled += size_t(n);
    }
  }

  const size_t n_vocab = size_t(engine_->n_vocab());
  const auto t_sample = Clock::now();
  for (size_t r = 0; r < row_owner.size(); ++r) {
    Job& j = *row_owner[r];
    if (j.handle->cancelled()) continue;  // released at the next step
    std::span<const float> row(logits_.data() + r * n_vocab, n_vocab);
    const int32_t id = j.sampler->sample(row, j.history);
    j.history.push_back(id);
    if (++j.n_generated == 1) j.first_token = t_sample;
    j.last_token = t_sample;
    if (j.req.logprobs >= 0 && (j.req.ignore_eos || !std::binary_search(eog_.begin(), eog_.end(), id))) {
      TokenLogprobs& lp = j.logprobs.emplace_back();
      compute_logprobs(row, id, j.req.logprobs, lp_order_, lp);
      lp.token = tok_->token_to_piece(id);
      for (auto& t : lp.top) t.token = tok_->token_to_piece(t.id);
    }
    auto text = j.stream->push(id);
    if (!text.ok()) {
      fail(j, "detokenization failed: " + text.message());
      continue;
    }
    if (!text->empty()) {
      GenerationEvent ev;
      ev.text = std::move(text).value();
      ev.tokens = {id};
      ev.logprobs = std::move(j.logprobs);
      j.logprobs.clear();
      j.sink(std::move(ev));
    }
    if (j.stream->finished())
      finish(j, runtime::FinishReason::kStop);
    else if (j.n_generated >= j.req.max_tokens)
      finish(j, runtime::FinishReason::kLength);
    else
      j.pending = id;
  }
  std::erase_if(active_, [](const auto& j) { return j->done; });
  return true;
}

}  // namespace ledge::server
