#include "template/lexer.h"

#include <cerrno>
#include <cstdlib>

#include "template/error.h"
#include "template/unicode.h"

namespace ledge::tmpl {

namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

std::string rstrip_ws(std::string_view s) {
  size_t end = s.size();
  while (end > 0 && is_ws(s[end - 1])) --end;
  return std::string(s.substr(0, end));
}

// Python's "unicode-escape" decoding of a string literal's body, which is what
// Jinja2 applies; unknown escapes are kept verbatim.
std::string decode_escapes(std::string_view body, size_t offset) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out.push_back(c);
      continue;
    }
    char e = body[++i];
    auto hex = [&](size_t digits) -> char32_t {
      if (i + digits >= body.size()) fail("truncated \\x/\\u escape in string literal", offset);
      char32_t v = 0;
      for (size_t k = 1; k <= digits; ++k) {
        char h = body[i + k];
        int d;
        if (h >= '0' && h <= '9') d = h - '0';
        else if (h >= 'a' && h <= 'f') d = h - 'a' + 10;
        else if (h >= 'A' && h <= 'F') d = h - 'A' + 10;
        else fail("invalid hex digit in string literal escape", offset);
        v = v * 16 + static_cast<char32_t>(d);
      }
      i += digits;
      return v;
    };
    switch (e) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case '\\': out.push_back('\\'); break;
      case '\'': out.push_back('\''); break;
      case '"': out.push_back('"'); break;
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'v': out.push_back('\v'); break;
      case '\n': break;  // line continuation
      case 'x': append_utf8(out, hex(2)); break;
      case 'u': append_utf8(out, hex(4)); break;
      case 'U': {
        char32_t v = hex(8);
        if (v > 0x10FFFF) fail("\\U escape out of range in string literal", offset);
        append_utf8(out, v);
        break;
      }
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        char32_t v = static_cast<char32_t>(e - '0');
        for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7'; ++k)
          v = v * 8 + static_cast<char32_t>(body[++i] - '0');
        append_utf8(out, v);
        break;
      }
      default:
        out.push_back('\\');
        out.push_back(e);
        break;
    }
  }
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view src, const LexerOptions& opt) : src_(src), opt_(opt) {}

  std::vector<Token> run() {
    while (pos_ < src_.size()) {
      size_t tag = find_tag(pos_);
      std::string text(src_.substr(pos_, tag - pos_));
      if (tag == src_.size()) {
        emit_text(std::move(text), pos_);
        pos_ = tag;
        break;
      }
      char kind = src_[tag + 1];
      char sign = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
      if (sign != '-' && sign != '+') sign = '\0';
      if (sign == '-') {
        text = rstrip_ws(text);
      } else if (sign != '+' && opt_.lstrip_blocks && kind != '{') {
        size_t line_start = text.rfind('\n');
        line_start = line_start == std::string::npos ? 0 : line_start + 1;
        if (line_start > 0 || line_starting_) {
          bool only_ws = line_start < text.size();
          for (size_t i = line_start; i < text.size(); ++i)
            if (!is_ws(text[i])) { only_ws = false; break; }
          if (only_ws) text.resize(line_start);
        }
      }
      emit_text(std::move(text), pos_);
      size_t inner = tag + 2 + (sign ? 1 : 0);
      if (kind == '#') {
        lex_comment(tag, inner);
      } else if (kind == '%' && try_raw(tag, inner)) {
        // raw block consumed
      } else {
        lex_tag(kind, tag, inner);
      }
    }
    tokens_.push_back(Token{TokenType::End, "", 0, 0.0, src_.size()});
    return std::move(tokens_);
  }

 private:
  size_t find_tag(size_t from) const {
    for (size_t i = from; i + 1 < src_.size(); ++i) {
      if (src_[i] == '{' && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    }
    return src_.size();
  }

  void emit_text(std::string text, size_t offset) {
    if (text.empty()) return;
    tokens_.push_back(Token{TokenType::Text, std::move(text), 0, 0.0, offset});
  }

  // After a tag: `-` consumes all following whitespace; trim_blocks consumes
  // one newline after a block or comment tag. Remembers whether the consumed
  // text ended a line, which is what lets lstrip_blocks apply at the start of
  // the next text even though it has no newline of its own.
  void finish_tag(size_t after_end, bool strip_after, bool is_block_or_comment, bool plus_sign) {
    pos_ = after_end;
    line_starting_ = false;
    if (strip_after) {
      while (pos_ < src_.size() && is_ws(src_[pos_])) {
        line_starting_ = src_[pos_] == '\n';
        ++pos_;
      }
    } else if (is_block_or_comment && opt_.trim_blocks && !plus_sign && pos_ < src_.size() && src_[pos_] == '\n') {
      ++pos_;
      line_starting_ = true;
    }
  }

  void lex_comment(size_t tag, size_t inner) {
    size_t end = src_.find("#}", inner);
    if (end == std::string_view::npos) fail("unterminated comment", tag);
    bool strip_after = end > inner && src_[end - 1] == '-';
    finish_tag(end + 2, strip_after, true, false);
  }

  // Matches `{% raw %}` (with optional whitespace control); emits its body as
  // literal text up to `{% endraw %}`.
  bool try_raw(size_t tag, size_t inner) {
    size_t p = inner;
    while (p < src_.size() && is_ws(src_[p])) ++p;
    if (src_.compare(p, 3, "raw") != 0 || (p + 3 < src_.size() && is_name_char(src_[p + 3]))) return false;
    p += 3;
    while (p < src_.size() && is_ws(src_[p])) ++p;
    bool strip_after = false;
    if (p < src_.size() && src_[p] == '-') { strip_after = true; ++p; }
    if (src_.compare(p, 2, "%}") != 0) return false;
    p += 2;
    if (strip_after) while (p < src_.size() && is_ws(src_[p])) ++p;
    // Find the matching endraw tag.
    size_t search = p;
    while (true) {
      size_t open = src_.find("{%", search);
      if (open == std::string_view::npos) fail("missing {% endraw %} for raw block", tag);
      size_t q = open + 2;
      char sign = q < src_.size() && (src_[q] == '-' || src_[q] == '+') ? src_[q] : '\0';
      if (sign) ++q;
      while (q < src_.size() && is_ws(src_[q])) ++q;
      if (src_.compare(q, 6, "endraw") != 0) { search = open + 2; continue; }
      q += 6;
      while (q < src_.size() && is_ws(src_[q])) ++q;
      bool end_strip = false;
      if (q < src_.size() && src_[q] == '-') { end_strip = true; ++q; }
      if (src_.compare(q, 2, "%}") != 0) { search = open + 2; continue; }
      std::string body(src_.substr(p, open - p));
      if (sign == '-') {
        body = rstrip_ws(body);
      } else if (sign != '+' && opt_.lstrip_blocks) {
        size_t ls = body.rfind('\n');
        ls = ls == std::string::npos ? 0 : ls + 1;
        bool only_ws = ls < body.size();
        for (size_t i = ls; i < body.size(); ++i) if (!is_ws(body[i])) { only_ws = false; break; }
        if (only_ws && ls > 0) body.resize(ls);
      }
      emit_text(std::move(body), p);
      finish_tag(q + 2, end_strip, true, false);
      return true;
    }
  }

  void lex_tag(char kind, size_t tag, size_t inner) {
    const bool block = kind == '%';
    tokens_.push_back(Token{block ? TokenType::BlockBegin : TokenType::VarBegin, "", 0, 0.0, tag});
    size_t p = inner;
    int depth = 0;
    const char close0 = block ? '%' : '}';
    while (true) {
      while (p < src_.size() && is_ws(src_[p])) ++p;
      if (p >= src_.size()) fail(block ? "unterminated block tag '{%'" : "unterminated expression '{{'", tag);
      char c = src_[p];
      if (depth == 0) {
        bool minus_end = c == '-' && src_.compare(p + 1, 2, std::string{close0, '}'}) == 0;
        bool plus_end = block && c == '+' && src_.compare(p + 1, 2, "%}") == 0;
        if (minus_end || plus_end || (c == close0 && p + 1 < src_.size() && src_[p + 1] == '}')) {
          size_t marker = (minus_end || plus_end) ? p + 1 : p;
          tokens_.push_back(Token{block ? TokenType::BlockEnd : TokenType::VarEnd, "", 0, 0.0, p});
          finish_tag(marker + 2, minus_end, block, plus_end);
          return;
        }
      }
      if (is_name_start(c)) {
        size_t s = p;
        while (p < src_.size() && is_name_char(src_[p])) ++p;
        tokens_.push_back(Token{TokenType::Name, std::string(src_.substr(s, p - s)), 0, 0.0, s});
        continue;
      }
      if (is_digit(c)) {
        lex_number(p);
        continue;
      }
      if (c == '\'' || c == '"') {
        size_t s = p++;
        while (p < src_.size() && src_[p] != c) {
          if (src_[p] == '\\') ++p;
          ++p;
        }
        if (p >= src_.size()) fail("unterminated string literal", s);
        tokens_.push_back(Token{TokenType::String, decode_escapes(src_.substr(s + 1, p - s - 1), s), 0, 0.0, s});
        ++p;
        continue;
      }
      static const char* const kOps[] = {"**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<",
                                         ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"};
      bool matched = false;
      for (const char* op : kOps) {
        size_t len = std::char_traits<char>::length(op);
        if (src_.compare(p, len, op) == 0) {
          if (op[0] == '(' || op[0] == '[' || op[0] == '{') ++depth;
          if ((op[0] == ')' || op[0] == ']' || op[0] == '}') && len == 1) {
            if (depth == 0) fail(std::string("unexpected '") + op[0] + "'", p);
            --depth;
          }
          tokens_.push_back(Token{TokenType::Operator, op, 0, 0.0, p});
          p += len;
          matched = true;
          break;
        }
      }
      if (!matched) fail(std::string("unexpected character '") + c + "' in tag", p);
    }
  }

  void lex_number(size_t& p) {
    size_t s = p;
    auto digits = [&] {
      while (p < src_.size() && (is_digit(src_[p]) || (src_[p] == '_' && p + 1 < src_.size() && is_digit(src_[p + 1])))) ++p;
    };
    digits();
    bool is_float = false;
    if (p + 1 < src_.size() && src_[p] == '.' && is_digit(src_[p + 1])) {
      is_float = true;
      ++p;
      digits();
    }
    if (p < src_.size() && (src_[p] == 'e' || src_[p] == 'E')) {
      size_t q = p + 1;
      if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
      if (q < src_.size() && is_digit(src_[q])) {
        is_float = true;
        p = q;
        digits();
      }
    }
    std::string text;
    for (size_t i = s; i < p; ++i)
      if (src_[i] != '_') text.push_back(src_[i]);
    Token t{is_float ? TokenType::Float : TokenType::Int, text, 0, 0.0, s};
    errno = 0;
    if (is_float) {
      t.float_value = std::strtod(text.c_str(), nullptr);
    } else {
      t.int_value = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == ERANGE) fail("integer literal out of range", s);
    }
    tokens_.push_back(std::move(t));
  }

  std::string_view src_;
  const LexerOptions& opt_;
  size_t pos_ = 0;
  bool line_starting_ = true;
  std::vector<Token> tokens_;
};

}  // namespace

std::string normalize_source(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::vector<Token> tokenize(std::string_view normalized_source, const LexerOptions& options) {
  return Lexer(normalized_source, options).run();
}

std::string describe_position(std::string_view source, size_t offset) {
  if (offset == kNoPosition) return "unknown position";
  if (offset > source.size()) offset = source.size();
  size_t line = 1, col = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (source[i] == '\n') { ++line; col = 1; }
    else if ((static_cast<unsigned char>(source[i]) & 0xC0) != 0x80) ++col;
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

}  // namespace ledge::tmpl
