// Internal failure signal of the template engine. Lexer, parser and evaluator
// raise it deep inside recursive code; Template::parse/render catch it at the
// API boundary and turn it into a ledge::Error with a line:column position, so
// it never escapes the library.
#pragma once

#include <cstddef>
#include <string>
#include <utility>

namespace ledge::tmpl {

inline constexpr size_t kNoPosition = static_cast<size_t>(-1);

struct TemplateError {
  std::string message;
  size_t offset = kNoPosition;  // byte offset into the template source
};

[[noreturn]] inline void fail(std::string message, size_t offset = kNoPosition) {
  throw TemplateError{std::move(message), offset};
}

}  // namespace ledge::tmpl
