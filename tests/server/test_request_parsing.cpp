// Bad-input table for the OpenAI request parser: every hostile body gets a
// 400 naming the field, never an exception or a crash.
#include <gtest/gtest.h>

#include <string>

#include "server/chat_prompt.h"
#include "server/request_parsing.h"
#include "support/fixtures.h"

namespace ledge::server {
namespace {

struct BadCase {
  const char* name;
  bool chat;
  std::string body;
  std::string param;    // expected error.param ("" = null)
  std::string message;  // substring of the message
};

ApiResult<CompletionParams> parse(bool chat, const std::string& body) {
  ParseLimits lim;
  auto j = parse_json_body(body, lim);
  if (auto* e = std::get_if<ApiError>(&j)) return *e;
  return chat ? parse_chat_request(std::get<nlohmann::json>(j), lim)
              : parse_completion_request(std::get<nlohmann::json>(j), lim);
}

const std::string kMsgs = R"("messages":[{"role":"user","content":"hi"}])";

TEST(RequestParsing, BadInputTable) {
  std::string many_stops = R"({"model":"m","prompt":"x","stop":[)";
  for (int i = 0; i < 100000; ++i) many_stops += std::string(i ? "," : "") + "\"s\"";
  many_stops += "]}";
  const BadCase cases[] = {
      {"malformed JSON", true, R"({"model": )", "", "not valid JSON"},
      {"not an object", true, R"([1,2])", "", "must be a JSON object"},
      {"empty body", true, "", "", "empty"},
      {"invalid UTF-8", true, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xC3\x28\"}]}", "", "UTF-8"},
      {"deep nesting", true, std::string(100000, '[') + std::string(100000, ']'), "", "nested deeper"},
      {"missing model", true, "{" + kMsgs + "}", "model", "required"},
      {"model not a string", true, R"({"model":5,)" + kMsgs + "}", "model", "must be a string"},
      {"missing messages", true, R"({"model":"m"})", "messages", "required"},
      {"empty messages", true, R"({"model":"m","messages":[]})", "messages", "must not be empty"},
      {"message not object", true, R"({"model":"m","messages":["hi"]})", "messages[0]", "must be an object"},
      {"bad role", true, R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})", "messages", "wizard"},
      {"content wrong type", true, R"({"model":"m","messages":[{"role":"user","content":5}]})", "messages[0].content", "text parts"},
      {"image part", true, R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url"}]}]})", "messages", "text"},
      {"negative max_tokens", true, R"({"model":"m","max_tokens":-1,)" + kMsgs + "}", "max_tokens", "must be in"},
      {"huge max_tokens", true, R"({"model":"m","max_tokens":1e300,)" + kMsgs + "}", "max_tokens", "integer"},
      {"huge unsigned max_tokens", true, R"({"model":"m","max_tokens":18446744073709551615,)" + kMsgs + "}", "max_tokens", "must be in"},
      {"max_tokens string", true, R"({"model":"m","max_tokens":"5",)" + kMsgs + "}", "max_tokens", "integer"},
      {"temperature high", true, R"({"model":"m","temperature":2.5,)" + kMsgs + "}", "temperature", "[0, 2]"},
      {"temperature string", true, R"({"model":"m","temperature":"hot",)" + kMsgs + "}", "temperature", "number"},
      {"top_p zero", true, R"({"model":"m","top_p":0,)" + kMsgs + "}", "top_p", "> 0"},
      {"presence_penalty", true, R"({"model":"m","presence_penalty":3,)" + kMsgs + "}", "presence_penalty", "[-2, 2]"},
      {"n = 2", true, R"({"model":"m","n":2,)" + kMsgs + "}", "n", "only n = 1"},
      {"seed float", true, R"({"model":"m","seed":1.5,)" + kMsgs + "}", "seed", "integer"},
      {"stop wrong type", true, R"({"model":"m","stop":5,)" + kMsgs + "}", "stop", "string"},
      {"stop empty string", true, R"({"model":"m","stop":[""],)" + kMsgs + "}", "stop", "empty"},
      {"stop too long", true, R"({"model":"m","stop":[")" + std::string(1000, 'a') + R"("],)" + kMsgs + "}", "stop", "at most"},
      {"100k stop strings", false, many_stops, "stop", "at most 16"},
      {"logit_bias key", true, R"({"model":"m","logit_bias":{"abc":1},)" + kMsgs + "}", "logit_bias", "abc"},
      {"logit_bias value", true, R"({"model":"m","logit_bias":{"5":1000},)" + kMsgs + "}", "logit_bias", "[-100, 100]"},
      {"stream not bool", true, R"({"model":"m","stream":"yes",)" + kMsgs + "}", "stream", "boolean"},
      {"stream_options without stream", true, R"({"model":"m","stream_options":{"include_usage":true},)" + kMsgs + "}", "stream_options", "stream"},
      {"logprobs not bool", true, R"({"model":"m","logprobs":1,)" + kMsgs + "}", "logprobs", "boolean"},
      {"top_logprobs 21", true, R"({"model":"m","logprobs":true,"top_logprobs":21,)" + kMsgs + "}", "top_logprobs", "[0, 20]"},
      {"top_logprobs negative", true, R"({"model":"m","logprobs":true,"top_logprobs":-1,)" + kMsgs + "}", "top_logprobs", "[0, 20]"},
      {"top_logprobs without logprobs", true, R"({"model":"m","top_logprobs":3,)" + kMsgs + "}", "top_logprobs", "requires"},
      {"completions logprobs 6", false, R"({"model":"m","prompt":"x","logprobs":6})", "logprobs", "[0, 5]"},
      {"completions logprobs bool", false, R"({"model":"m","prompt":"x","logprobs":true})", "logprobs", "integer"},
      {"tools not array", true, R"({"model":"m","tools":{},)" + kMsgs + "}", "tools", "array"},
      {"tool wrong type", true, R"({"model":"m","tools":[{"type":"retrieval"}],)" + kMsgs + "}", "tools", "\"function\""},
      {"tool without name", true, R"({"model":"m","tools":[{"type":"function","function":{}}],)" + kMsgs + "}", "tools", "name"},
      {"tool bad name", true, R"({"model":"m","tools":[{"type":"function","function":{"name":"a b"}}],)" + kMsgs + "}", "tools", "name"},
      {"tool parameters", true, R"({"model":"m","tools":[{"type":"function","function":{"name":"f","parameters":"x"}}],)" + kMsgs + "}", "tools", "parameters"},
      {"tool_choice required", true, R"({"model":"m","tool_choice":"required",)" + kMsgs + "}", "tool_choice", "not supported"},
      {"tool_choice named", true, R"({"model":"m","tool_choice":{"type":"function","function":{"name":"f"}},)" + kMsgs + "}", "tool_choice", "not supported"},
      {"tool_calls not array", true, R"({"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":5}]})", "messages", "tool_calls"},
      {"missing prompt", false, R"({"model":"m"})", "prompt", "required"},
      {"empty prompt", false, R"({"model":"m","prompt":""})", "prompt", "empty"},
      {"prompt object", false, R"({"model":"m","prompt":{}})", "prompt", "token ids"},
      {"negative token id", false, R"({"model":"m","prompt":[1,-5]})", "prompt", "out of range"},
      {"batched prompts", false, R"({"model":"m","prompt":["a","b"]})", "prompt", "batched"},
      {"float token id", false, R"({"model":"m","prompt":[1.5]})", "prompt", "token ids"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.chat, c.body);
    ASSERT_TRUE(std::holds_alternative<ApiError>(r)) << c.name << ": accepted";
    const ApiError& e = std::get<ApiError>(r);
    EXPECT_EQ(e.status, 400) << c.name;
    EXPECT_EQ(e.type, "invalid_request_error") << c.name;
    EXPECT_EQ(e.param, c.param) << c.name << ": " << e.message;
    EXPECT_NE(e.message.find(c.message), std::string::npos) << c.name << ": " << e.message;
    const auto j = error_json(e);
    EXPECT_TRUE(j["error"].contains("code")) << c.name;
  }
}

TEST(RequestParsing, ValidChatRequest) {
  auto r = parse(true, R"({"model":"m","messages":[{"role":"system","content":"be brief"},
      {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},{"role":"assistant","content":null}],
      "max_completion_tokens":7,"max_tokens":99,"temperature":0,"top_p":0.5,"seed":-3,"stop":"END",
      "logit_bias":{"12":-100},"stream":true,"stream_options":{"include_usage":true},"user":"u1","unknown_field":[1]})");
  ASSERT_TRUE(std::holds_alternative<CompletionParams>(r)) << std::get<ApiError>(r).message;
  const auto& p = std::get<CompletionParams>(r);
  EXPECT_EQ(p.model, "m");
  EXPECT_EQ(p.messages.size(), 3u);
  EXPECT_EQ(p.messages[1]["content"], "ab");
  EXPECT_EQ(*p.max_tokens, 7);  // max_completion_tokens wins
  EXPECT_EQ(p.sampling.temperature, 0.f);
  EXPECT_EQ(p.sampling.top_p, 0.5f);
  EXPECT_EQ(p.sampling.seed, uint64_t(-3));
  EXPECT_TRUE(p.seed_given);
  EXPECT_EQ(p.stop, std::vector<std::string>{"END"});
  EXPECT_EQ(p.sampling.logit_bias.at(12), -100.f);
  EXPECT_TRUE(p.stream && p.include_usage);
  EXPECT_EQ(p.user, "u1");
}

TEST(RequestParsing, CompletionPromptForms) {
  auto text = parse(false, R"({"model":"m","prompt":["hello"]})");
  ASSERT_TRUE(std::holds_alternative<CompletionParams>(text));
  EXPECT_EQ(std::get<CompletionParams>(text).prompt_text, "hello");
  EXPECT_FALSE(std::get<CompletionParams>(text).max_tokens.has_value());
  auto ids = parse(false, R"({"model":"m","prompt":[[1,2,3]]})");
  ASSERT_TRUE(std::holds_alternative<CompletionParams>(ids));
  EXPECT_EQ(std::get<CompletionParams>(ids).prompt_tokens, (std::vector<int32_t>{1, 2, 3}));
}

TEST(RequestParsing, LogprobsForms) {
  auto off = parse(true, "{\"model\":\"m\"," + kMsgs + "}");
  ASSERT_TRUE(std::holds_alternative<CompletionParams>(off));
  EXPECT_EQ(std::get<CompletionParams>(off).logprobs, -1);
  auto on = parse(true, "{\"model\":\"m\",\"logprobs\":true," + kMsgs + "}");
  ASSERT_TRUE(std::holds_alternative<CompletionParams>(on));
  EXPECT_EQ(std::get<CompletionParams>(on).logprobs, 0);
  auto top = parse(true, "{\"model\":\"m\",\"logprobs\":true,\"top_logprobs\":20," + kMsgs + "}");
  ASSERT_TRUE(std::holds_alternative<CompletionParams>(top));
  EXPECT_EQ(std::get<CompletionParams>(top).logprobs, 20);
  auto legacy = parse(false, R"({"model":"m","prompt":"x","logprobs":5})");
  ASSERT_TRUE(std::holds_alternative<CompletionParams>(legacy));
  EXPECT_EQ(std::get<CompletionParams>(legacy).logprobs, 5);
}

TEST(RequestParsing, ToolsAreValidatedAndKeptForTheTemplate) {
  const std::string tools = R"("tools":[{"type":"function","function":{"name":"get_weather","description":"Weather",
      "parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true}}])";
  auto r = parse(true, "{\"model\":\"m\"," + tools + R"(,"tool_choice":"auto","messages":[
      {"role":"user","content":"weather?"},
      {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]},
      {"role":"tool","tool_call_id":"c1","content":"sunny"}]})");
  ASSERT_TRUE(std::holds_alternative<CompletionParams>(r)) << std::get<ApiError>(r).message;
  const auto& p = std::get<CompletionParams>(r);
  ASSERT_TRUE(p.tools.has_value());
  ASSERT_EQ(p.tools->size(), 1u);
  EXPECT_EQ((*p.tools)[0]["function"]["name"], "get_weather");
  EXPECT_EQ((*p.tools)[0]["function"]["parameters"]["properties"]["city"]["type"], "string");
  EXPECT_EQ(p.messages[1]["tool_calls"][0]["function"]["arguments"]["city"], "Oslo");  // parsed for templates
  EXPECT_EQ(p.messages[2]["tool_call_id"], "c1");
  auto none = parse(true, "{\"model\":\"m\"," + tools + ",\"tool_choice\":\"none\"," + kMsgs + "}");
  ASSERT_TRUE(std::holds_alternative<CompletionParams>(none));
  EXPECT_FALSE(std::get<CompletionParams>(none).tools.has_value());
}

TEST(ChatPrompt, ToolsReachTheTemplate) {
  auto tok = tokenizer::Tokenizer::load(ledge::test::fixture("models/stories260K.gguf").string());
  ASSERT_TRUE(tok.ok()) << tok.message();
  const std::string tmpl =
      "{% if tools %}TOOLS:{% for t in tools %}[{{ t.function.name }}]{% endfor %}\n{% endif %}"
      "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}";
  ChatPrompt with(tmpl, **tok);
  nlohmann::ordered_json msgs = nlohmann::ordered_json::array({{{"role", "user"}, {"content", "hi"}}});
  nlohmann::ordered_json tools = nlohmann::ordered_json::parse(R"([{"type":"function","function":{"name":"f1"}},
      {"type":"function","function":{"name":"f2"}}])");
  auto text = with.render(msgs, tools);
  ASSERT_TRUE(text.ok()) << text.message();
  EXPECT_EQ(*text, "TOOLS:[f1][f2]user: hi\n");  // trim_blocks, as transformers renders
  auto plain = with.render(msgs);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "user: hi\n");
  ChatPrompt fallback(std::nullopt, **tok);
  auto refused = fallback.tokenize(msgs, tools);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("tools"), std::string::npos) << refused.message();
}

TEST(RequestParsing, NestingDepthIgnoresBracketsInStrings) {
  EXPECT_EQ(json_nesting_depth(R"({"a":"[[[[{{{{"})", 32), 1);
  EXPECT_EQ(json_nesting_depth(R"({"a":"\"[[[["})", 32), 1);
  EXPECT_EQ(json_nesting_depth("[[[]]]", 32), 3);
  EXPECT_EQ(json_nesting_depth(std::string(50, '['), 32), 33);
}

}  // namespace
}  // namespace ledge::server
