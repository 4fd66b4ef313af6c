#include "template/template.h"

#include <exception>

#include "template/builtins.h"
#include "template/error.h"
#include "template/lexer.h"
#include "template/parser.h"

namespace ledge::tmpl {

namespace {

Error located(std::string_view what, std::string_view source, const TemplateError& e) {
  return Error{std::string(what) + " at " + describe_position(source, e.offset) + ": " + e.message};
}

}  // namespace

Result<Template> Template::parse(std::string_view source) {
  Template t;
  t.source_ = normalize_source(source);
  try {
    std::vector<Token> tokens = tokenize(t.source_, LexerOptions{});
    t.body_ = std::make_shared<const Body>(parse_tokens(tokens));
  } catch (const TemplateError& e) {
    return located("template syntax error", t.source_, e);
  } catch (const std::exception& e) {
    return Error{std::string("template syntax error: ") + e.what()};
  }
  return t;
}

Result<std::string> Template::render(const nlohmann::ordered_json& context, const RenderOptions& options) const {
  if (!context.is_object()) return Error{"template context must be a JSON object"};
  Interpreter* interp_ptr = nullptr;
  try {
    auto globals = std::make_shared<Scope>();
    install_globals(globals->vars, GlobalsConfig{options.now});
    for (auto it = context.begin(); it != context.end(); ++it) globals->vars[it.key()] = Value::from_json(it.value());
    Interpreter interp(options.limits, std::move(globals));
    interp_ptr = &interp;
    return interp.render(*body_);
  } catch (const TemplateError& e) {
    TemplateError located_error = e;
    if (located_error.offset == kNoPosition && interp_ptr) located_error.offset = interp_ptr->current_offset();
    return located("template error", source_, located_error);
  } catch (const std::bad_alloc&) {
    return Error{"template error: out of memory while rendering"};
  } catch (const std::exception& e) {
    return Error{std::string("template error: ") + e.what()};
  }
}

Result<std::string> render_chat(std::string_view template_source, const ChatInputs& inputs,
                                const RenderLimits& limits) {
  auto t = Template::parse(template_source);
  if (!t.ok()) return t.status();
  nlohmann::ordered_json context = {
      {"messages", inputs.messages},
      {"tools", inputs.tools ? *inputs.tools : nlohmann::ordered_json(nullptr)},
      {"add_generation_prompt", inputs.add_generation_prompt},
      {"bos_token", inputs.bos_token},
      {"eos_token", inputs.eos_token},
  };
  RenderOptions options;
  options.limits = limits;
  options.now = inputs.now;
  return t->render(context, options);
}

}  // namespace ledge::tmpl
