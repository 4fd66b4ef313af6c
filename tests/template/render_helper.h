// Small helpers for template unit tests: render a source string with a JSON
// context and get either the text or the error message.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "template/template.h"

namespace ledge::tmpl::testing {

inline std::string render_ok(const std::string& src, const nlohmann::ordered_json& ctx = nlohmann::ordered_json::object(),
                             const RenderOptions& opts = {}) {
  auto t = Template::parse(src);
  if (!t.ok()) {
    ADD_FAILURE() << "parse failed: " << t.message() << "\n  template: " << src;
    return "<parse error>";
  }
  auto out = t->render(ctx, opts);
  if (!out.ok()) {
    ADD_FAILURE() << "render failed: " << out.message() << "\n  template: " << src;
    return "<render error>";
  }
  return *out;
}

// The error message of a template that must fail (at parse or render time).
inline std::string render_error(const std::string& src, const nlohmann::ordered_json& ctx = nlohmann::ordered_json::object(),
                                const RenderOptions& opts = {}) {
  auto t = Template::parse(src);
  if (!t.ok()) return t.message();
  auto out = t->render(ctx, opts);
  if (out.ok()) {
    ADD_FAILURE() << "expected an error, rendered: " << *out << "\n  template: " << src;
    return "";
  }
  return out.message();
}

}  // namespace ledge::tmpl::testing
