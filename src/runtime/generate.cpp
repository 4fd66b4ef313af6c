#include "runtime/generate.h"

#include <chrono>

namespace ledge::runtime {

Result<GenerateResult> generate(Engine& engine, const tokenizer::Tokenizer& tok, const GenerateRequest& req,
                                const std::function<bool(std::string_view)>& on_text) {
  if (req.prompt.empty()) return Error{"the prompt is empty"};
  if (req.max_tokens < 0) return Error{"max_tokens must be >= 0"};
  if (int64_t(req.prompt.size()) + req.max_tokens > engine.n_ctx())
    return Error{"prompt (" + std::to_string(req.prompt.size()) + " tokens) + max_tokens (" +
                 std::to_string(req.max_tokens) + ") exceeds the context size " + std::to_string(engine.n_ctx())};
  LEDGE_RETURN_IF_ERROR(req.sampling.validate(engine.n_vocab()));

  auto seq = engine.new_sequence();
  if (!seq.ok()) return seq.status();
  GenerateResult r;
  r.n_prompt = int32_t(req.prompt.size());
  Sampler sampler(req.sampling);
  TextStream stream(tok, req.stop, req.ignore_eos);
  std::vector<int32_t> history = req.prompt;  // what the penalties look at
  auto t0 = std::chrono::steady_clock::now();
  auto logits = engine.feed(*seq, req.prompt);
  auto t1 = std::chrono::steady_clock::now();
  r.prompt_seconds = std::chrono::duration<double>(t1 - t0).count();

  auto emit = [&](const std::string& s) {
    if (s.empty()) return true;
    r.text += s;
    return !on_text || on_text(s);
  };
  bool keep_going = true;
  while (logits.ok() && keep_going && int32_t(r.tokens.size()) < req.max_tokens) {
    const int32_t id = sampler.sample(*logits, history);
    r.tokens.push_back(id);
    history.push_back(id);
    auto text = stream.push(id);
    if (!text.ok()) {
      engine.free_sequence(*seq);
      return text.status();
    }
    keep_going = emit(*text);
    if (stream.finished()) break;
    if (int32_t(r.tokens.size()) < req.max_tokens) logits = engine.feed(*seq, std::span<const int32_t>(&id, 1));
  }
  engine.free_sequence(*seq);
  if (!logits.ok()) return logits.status();
  emit(stream.finish(FinishReason::kLength));
  r.finish = stream.reason();
  r.generate_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  return r;
}

}  // namespace ledge::runtime
