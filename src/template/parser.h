// Recursive-descent parser from tokens to the syntax tree, following Jinja2's
// grammar and operator precedence. Nesting depth is bounded so hostile
// templates cannot exhaust the stack.
#pragma once

#include <vector>

#include "template/ast.h"
#include "template/lexer.h"

namespace ledge::tmpl {

inline constexpr int kMaxParseDepth = 256;

// Throws TemplateError (with offset) on syntax errors.
Body parse_tokens(const std::vector<Token>& tokens);

}  // namespace ledge::tmpl
