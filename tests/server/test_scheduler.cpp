// The scheduler against one-by-one generation on the real stories260K model:
// batching many sequences into one forward pass must not change any output.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/generate.h"
#include "server/core/scheduler.h"
#include "support/fixtures.h"

namespace ledge::server {
namespace {

using namespace std::chrono_literals;

// Collects one request's events; waitable from the test thread.
struct Collector {
  std::mutex mu;
  std::condition_variable cv;
  std::string text;
  bool done = false, failed = false;
  std::string error;
  runtime::FinishReason finish = runtime::FinishReason::kNone;
  Usage usage;
  Timings timings;
  int n_text_events = 0;
  std::vector<TokenLogprobs> logprobs;
  GenerationEvent::Failure failure = GenerationEvent::Failure::kNone;

  EventSink sink() {
    return [this](GenerationEvent ev) {
      std::lock_guard lk(mu);
      for (auto& t : ev.logprobs) logprobs.push_back(std::move(t));
      switch (ev.kind) {
        case GenerationEvent::Kind::kText: text += ev.text; ++n_text_events; break;
        case GenerationEvent::Kind::kDone: done = true; finish = ev.finish; usage = ev.usage; timings = ev.timings; break;
        case GenerationEvent::Kind::kError: failed = true; error = ev.text; usage = ev.usage; failure = ev.failure; break;
      }
      cv.notify_all();
    };
  }
  bool wait_end(std::chrono::seconds limit = 60s) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, limit, [&] { return done || failed; });
  }
  bool wait_text(std::chrono::seconds limit = 60s) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, limit, [&] { return !text.empty() || done || failed; });
  }
};

std::string model_path() { return ledge::test::fixture("models/stories260K.gguf").string(); }

std::unique_ptr<Scheduler> make_scheduler(int32_t parallel, int32_t ctx, SchedulerOptions so = {}) {
  runtime::EngineOptions eo;
  eo.n_ctx = ctx;
  eo.n_parallel = parallel;
  eo.max_batch = 256;
  auto s = Scheduler::create(model_path(), eo, so);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.message());
  return s.ok() ? std::move(s).value() : nullptr;
}

const std::vector<std::string> kPrompts = {
    "Once upon a time",        "Lily and Tom went to the park",  "The cat sat",
    "One day, a little bird",  "Tim had a red ball. He",         "The sun was hot and",
    "Sue liked to play with",  "There was a big dog named Max.", "Mom said, \"Let's go",
    "The little boy was sad because", "Once there was a tiny frog who", "Ben saw a shiny",
    "A girl named Amy",        "The tree was tall",              "They ran to the",
    "It was a cold day and"};

GenerationRequest make_request(const tokenizer::Tokenizer& tok, const std::string& prompt, int32_t max_tokens,
                               float temperature, uint64_t seed) {
  GenerationRequest r;
  auto ids = tok.encode(prompt, true, false);
  EXPECT_TRUE(ids.ok());
  r.prompt = *ids;
  r.max_tokens = max_tokens;
  r.sampling.temperature = temperature;
  r.sampling.seed = seed;
  return r;
}

// Runs the same requests through runtime::generate, one at a time.
std::vector<runtime::GenerateResult> sequential(const std::vector<GenerationRequest>& reqs, int32_t ctx) {
  runtime::EngineOptions eo;
  eo.n_ctx = ctx;
  auto engine = runtime::Engine::load(model_path(), eo);
  EXPECT_TRUE(engine.ok());
  auto tok = tokenizer::Tokenizer::from_gguf((*engine)->model().file());
  EXPECT_TRUE(tok.ok());
  std::vector<runtime::GenerateResult> out;
  for (const auto& r : reqs) {
    runtime::GenerateRequest g;
    g.prompt = r.prompt;
    g.max_tokens = r.max_tokens;
    g.sampling = r.sampling;
    g.stop = r.stop;
    auto res = runtime::generate(**engine, **tok, g);
    EXPECT_TRUE(res.ok()) << (res.ok() ? "" : res.message());
    out.push_back(res.ok() ? *res : runtime::GenerateResult{});
  }
  return out;
}

void expect_batched_equals_sequential(int32_t parallel, size_t n_requests, int32_t budget, float temperature) {
  SchedulerOptions so;
  so.step_token_budget = budget;
  auto sched = make_scheduler(parallel, 256, so);
  ASSERT_TRUE(sched);
  std::vector<GenerationRequest> reqs;
  for (size_t i = 0; i < n_requests; ++i)
    reqs.push_back(make_request(sched->tokenizer(), kPrompts[i % kPrompts.size()], 24 + int32_t(i % 5) * 7,
                                temperature, 1000 + i));
  const auto want = sequential(reqs, 256);

  std::vector<std::unique_ptr<Collector>> got;
  for (const auto& r : reqs) {
    got.push_back(std::make_unique<Collector>());
    auto sub = sched->submit(r, got.back()->sink());
    ASSERT_EQ(sub.outcome, SubmitOutcome::kAccepted) << sub.message;
  }
  for (size_t i = 0; i < reqs.size(); ++i) {
    ASSERT_TRUE(got[i]->wait_end()) << "request " << i << " did not finish";
    EXPECT_FALSE(got[i]->failed) << got[i]->error;
    EXPECT_EQ(got[i]->text, want[i].text) << "request " << i << " prompt: " << kPrompts[i % kPrompts.size()];
    EXPECT_EQ(got[i]->finish, want[i].finish) << "request " << i;
    EXPECT_EQ(got[i]->usage.prompt_tokens, want[i].n_prompt);
    EXPECT_EQ(got[i]->usage.completion_tokens, int32_t(want[i].tokens.size()));
    EXPECT_GE(got[i]->timings.e2e_s, got[i]->timings.time_to_first_token_s);
    EXPECT_GE(got[i]->timings.time_to_first_token_s, got[i]->timings.queue_s);
  }
  // The point of the exercise: several sequences really shared forward passes.
  EXPECT_GT(sched->stats().max_batch_seen, 1);
  EXPECT_EQ(sched->stats().running, 0);
}

TEST(Scheduler, FourConcurrentGreedyRequestsMatchSequential) { expect_batched_equals_sequential(4, 4, 128, 0.f); }

TEST(Scheduler, SixteenRequestsOverEightSlotsMatchSequential) { expect_batched_equals_sequential(8, 16, 128, 0.f); }

// A budget smaller than the prompts forces prompt chunks to share passes with
// running decodes.
TEST(Scheduler, SmallStepBudgetChunksPromptsWithoutChangingOutput) {
  expect_batched_equals_sequential(4, 8, 6, 0.f);
}

TEST(Scheduler, SeededSamplingMatchesSequential) { expect_batched_equals_sequential(4, 8, 128, 0.9f); }

TEST(Scheduler, StopStringEndsWithStopReasonAndIsNotShown) {
  auto sched = make_scheduler(2, 256);
  ASSERT_TRUE(sched);
  auto req = make_request(sched->tokenizer(), "Once upon a time", 40, 0.f, 1);
  // Greedy continuation is "Once upon a time, there was a little girl ..."
  req.stop = {"little"};
  const auto want = sequential({req}, 256);
  Collector c;
  ASSERT_EQ(sched->submit(req, c.sink()).outcome, SubmitOutcome::kAccepted);
  ASSERT_TRUE(c.wait_end());
  EXPECT_EQ(c.finish, runtime::FinishReason::kStop);
  EXPECT_EQ(c.text.find("little"), std::string::npos) << c.text;
  EXPECT_EQ(c.text, want[0].text);
  EXPECT_FALSE(c.text.empty());
}

TEST(Scheduler, CancelFreesTheSlotForTheNextRequest) {
  SchedulerOptions so;
  so.max_queue = 0;
  auto sched = make_scheduler(1, 512, so);
  ASSERT_TRUE(sched);
  Collector a;
  auto long_req = make_request(sched->tokenizer(), "Once upon a time", 500, 0.f, 1);
  long_req.ignore_eos = true;
  auto sa = sched->submit(long_req, a.sink());
  ASSERT_EQ(sa.outcome, SubmitOutcome::kAccepted);
  ASSERT_TRUE(a.wait_text());
  // The only slot is busy and nothing may wait: a second request is refused.
  Collector b;
  EXPECT_EQ(sched->submit(make_request(sched->tokenizer(), "The cat", 4, 0.f, 1), b.sink()).outcome,
            SubmitOutcome::kQueueFull);
  sa.handle->cancel();
  const auto t0 = std::chrono::steady_clock::now();
  while (sched->stats().running != 0 && std::chrono::steady_clock::now() - t0 < 10s) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(sched->stats().running, 0);
  EXPECT_FALSE(a.done);  // a cancelled request gets no completion
  Collector c;
  ASSERT_EQ(sched->submit(make_request(sched->tokenizer(), "The cat", 4, 0.f, 1), c.sink()).outcome,
            SubmitOutcome::kAccepted);
  ASSERT_TRUE(c.wait_end());
  EXPECT_TRUE(c.done);
}

TEST(Scheduler, FullQueueRejectsImmediately) {
  SchedulerOptions so;
  so.max_queue = 2;
  auto sched = make_scheduler(1, 512, so);
  ASSERT_TRUE(sched);
  auto req = make_request(sched->tokenizer(), "Once upon a time", 400, 0.f, 1);
  req.ignore_eos = true;
  std::vector<std::unique_ptr<Collector>> cs;
  std::vector<std::shared_ptr<RequestHandle>> handles;
  for (int i = 0; i < 3; ++i) {
    cs.push_back(std::make_unique<Collector>());
    auto s = sched->submit(req, cs.back()->sink());
    ASSERT_EQ(s.outcome, SubmitOutcome::kAccepted) << i << ": " << s.message;
    handles.push_back(s.handle);
  }
  Collector extra;
  const auto t0 = std::chrono::steady_clock::now();
  auto s = sched->submit(req, extra.sink());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
  EXPECT_EQ(s.outcome, SubmitOutcome::kQueueFull);
  EXPECT_NE(s.message.find("queue is full"), std::string::npos) << s.message;
  EXPECT_FALSE(s.handle);
  for (auto& h : handles) h->cancel();
}

TEST(Scheduler, ContextOverflowIsRejectedBeforeQueueing) {
  auto sched = make_scheduler(1, 64);
  ASSERT_TRUE(sched);
  Collector c;
  auto req = make_request(sched->tokenizer(), "Once upon a time", 60, 0.f, 1);
  auto s = sched->submit(req, c.sink());
  EXPECT_EQ(s.outcome, SubmitOutcome::kInvalid);
  EXPECT_NE(s.message.find("exceeds the context size 64"), std::string::npos) << s.message;
  EXPECT_EQ(sched->stats().waiting, 0);
}

TEST(Scheduler, InvalidTokenIdsAndSamplingAreRejected) {
  auto sched = make_scheduler(1, 64);
  ASSERT_TRUE(sched);
  Collector c;
  GenerationRequest r;
  r.prompt = {1, 99999};
  r.max_tokens = 4;
  auto s = sched->submit(r, c.sink());
  EXPECT_EQ(s.outcome, SubmitOutcome::kInvalid);
  EXPECT_NE(s.message.find("99999"), std::string::npos) << s.message;
  r.prompt = {1, 2};
  r.sampling.temperature = -1;
  s = sched->submit(r, c.sink());
  EXPECT_EQ(s.outcome, SubmitOutcome::kInvalid);
  EXPECT_NE(s.message.find("temperature"), std::string::npos) << s.message;
}

TEST(Scheduler, TimeoutEndsARequestWithAnError) {
  SchedulerOptions so;
  so.request_timeout_s = 0.05;
  auto sched = make_scheduler(1, 2048, so);
  ASSERT_TRUE(sched);
  Collector c;
  auto req = make_request(sched->tokenizer(), "Once upon a time", 2000, 0.f, 1);
  req.ignore_eos = true;
  ASSERT_EQ(sched->submit(req, c.sink()).outcome, SubmitOutcome::kAccepted);
  ASSERT_TRUE(c.wait_end());
  EXPECT_TRUE(c.failed);
  EXPECT_NE(c.error.find("timed out"), std::string::npos) << c.error;
  EXPECT_EQ(c.failure, GenerationEvent::Failure::kTimeout);
  EXPECT_LT(c.usage.completion_tokens, 2000);
}

TEST(Scheduler, ShutdownDrainsThenRefuses) {
  auto sched = make_scheduler(2, 256);
  ASSERT_TRUE(sched);
  Collector c;
  ASSERT_EQ(sched->submit(make_request(sched->tokenizer(), "Once upon a time", 20, 0.f, 1), c.sink()).outcome,
            SubmitOutcome::kAccepted);
  sched->shutdown(30);
  EXPECT_TRUE(c.done);  // finished within the drain time
  Collector d;
  EXPECT_EQ(sched->submit(make_request(sched->tokenizer(), "The cat", 4, 0.f, 1), d.sink()).outcome,
            SubmitOutcome::kShuttingDown);
}

TEST(Logprobs, AreANormalizedLogSoftmaxWithSortedTopK) {
  const std::vector<float> logits = {1.5f, -2.f, 3.25f, 0.f, 3.25f, -40.f};
  std::vector<int32_t> scratch;
  TokenLogprobs all;
  compute_logprobs(logits, 3, int32_t(logits.size()), scratch, all);
  ASSERT_EQ(all.top.size(), logits.size());
  double sum = 0;
  for (const auto& t : all.top) {
    EXPECT_LE(t.logprob, 0.f);
    sum += std::exp(double(t.logprob));
  }
  EXPECT_NEAR(sum, 1.0, 1e-6);
  // Ties keep the lower id first; differences of logprobs are differences of logits.
  EXPECT_EQ(all.top[0].id, 2);
  EXPECT_EQ(all.top[1].id, 4);
  EXPECT_EQ(all.top[2].id, 0);
  EXPECT_NEAR(all.top[0].logprob - all.top[2].logprob, 3.25 - 1.5, 1e-5);
  EXPECT_EQ(all.id, 3);
  EXPECT_NEAR(all.logprob, all.top[3].logprob, 1e-7);
  TokenLogprobs two;
  compute_logprobs(logits, 2, 2, scratch, two);
  ASSERT_EQ(two.top.size(), 2u);
  EXPECT_FLOAT_EQ(two.logprob, all.top[0].logprob);
  TokenLogprobs none;
  compute_logprobs(logits, 5, 0, scratch, none);
  EXPECT_TRUE(none.top.empty());
  EXPECT_LT(none.logprob, -40.f);
}

TEST(Scheduler, GreedyLogprobsListEverySampledTokenAsTheMostProbable) {
  auto sched = make_scheduler(2, 256);
  ASSERT_TRUE(sched);
  auto req = make_request(sched->tokenizer(), "Once upon a time", 12, 0.f, 1);
  req.logprobs = 5;
  const auto want = sequential({req}, 256);
  Collector c;
  ASSERT_EQ(sched->submit(req, c.sink()).outcome, SubmitOutcome::kAccepted);
  ASSERT_TRUE(c.wait_end());
  ASSERT_TRUE(c.done) << c.error;
  EXPECT_EQ(c.text, want[0].text);  // asking for logprobs changes nothing else
  ASSERT_EQ(c.finish, runtime::FinishReason::kLength);
  ASSERT_EQ(c.logprobs.size(), 12u);
  std::string joined;
  for (size_t i = 0; i < c.logprobs.size(); ++i) {
    const auto& t = c.logprobs[i];
    EXPECT_EQ(t.id, want[0].tokens[i]);
    EXPECT_EQ(t.token, sched->tokenizer().token_to_piece(t.id));
    EXPECT_LE(t.logprob, 0.f);
    ASSERT_EQ(t.top.size(), 5u);
    EXPECT_EQ(t.top[0].id, t.id) << "greedy picks the most probable token";
    EXPECT_EQ(t.top[0].logprob, t.logprob);
    double mass = 0;
    for (size_t k = 0; k < t.top.size(); ++k) {
      if (k > 0) EXPECT_LE(t.top[k].logprob, t.top[k - 1].logprob);
      mass += std::exp(double(t.top[k].logprob));
    }
    EXPECT_LE(mass, 1.0 + 1e-5);
    EXPECT_GT(mass, 0.0);
    joined += t.token;
  }
  EXPECT_EQ(joined, c.text);
}

TEST(Scheduler, LogprobsAreOffUnlessAskedAndBoundedWhenAsked) {
  auto sched = make_scheduler(1, 256);
  ASSERT_TRUE(sched);
  Collector c;
  ASSERT_EQ(sched->submit(make_request(sched->tokenizer(), "The cat", 4, 0.f, 1), c.sink()).outcome,
            SubmitOutcome::kAccepted);
  ASSERT_TRUE(c.wait_end());
  EXPECT_TRUE(c.logprobs.empty());
  auto req = make_request(sched->tokenizer(), "The cat", 4, 0.f, 1);
  req.logprobs = kMaxTopLogprobs + 1;
  Collector d;
  auto s = sched->submit(req, d.sink());
  EXPECT_EQ(s.outcome, SubmitOutcome::kInvalid);
  EXPECT_NE(s.message.find("logprobs"), std::string::npos) << s.message;
}

TEST(Scheduler, StatsObserverSeesEveryStep) {
  auto sched = make_scheduler(1, 256);
  ASSERT_TRUE(sched);
  std::mutex mu;
  int calls = 0, max_running = 0;
  sched->set_stats_observer([&](const SchedulerStats& st) {
    std::lock_guard lk(mu);
    ++calls;
    max_running = std::max(max_running, int(st.running));
  });
  Collector c;
  ASSERT_EQ(sched->submit(make_request(sched->tokenizer(), "The cat", 6, 0.f, 1), c.sink()).outcome,
            SubmitOutcome::kAccepted);
  ASSERT_TRUE(c.wait_end());
  sched->shutdown(5);
  std::lock_guard lk(mu);
  EXPECT_GE(calls, 6);  // at least one step per generated token
  EXPECT_EQ(max_running, 1);
}

}  // namespace
}  // namespace ledge::server
