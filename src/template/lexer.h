// Tokenizer for Jinja2 template source, with the whitespace rules Hugging Face
// uses (trim_blocks + lstrip_blocks) and Jinja2's defaults: newlines normalized
// to "\n" and one trailing newline of the source dropped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ledge::tmpl {

enum class TokenType : uint8_t {
  Text,        // literal template data (value)
  VarBegin,    // {{
  VarEnd,      // }}
  BlockBegin,  // {%
  BlockEnd,    // %}
  Name,        // identifier or keyword (value)
  String,      // string literal, escapes decoded (value)
  Int,         // integer literal (int_value)
  Float,       // float literal (float_value)
  Operator,    // punctuation/operator (value)
  End,         // end of input
};

struct Token {
  TokenType type;
  std::string value;
  int64_t int_value = 0;
  double float_value = 0.0;
  size_t offset = 0;  // byte offset in the normalized source
};

struct LexerOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
};

// Normalizes newlines and drops one trailing newline, as Jinja2 does before
// lexing; positions in errors refer to this text.
std::string normalize_source(std::string_view source);

// Throws TemplateError (with offset) on malformed input.
std::vector<Token> tokenize(std::string_view normalized_source, const LexerOptions& options);

// "line L, column C" (1-based) of a byte offset.
std::string describe_position(std::string_view source, size_t offset);

}  // namespace ledge::tmpl
