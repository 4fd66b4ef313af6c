// UTF-8 helpers giving Python str semantics (length, indexing and slicing by
// code point; Unicode-aware case mapping and whitespace).
#pragma once

#include <string>
#include <string_view>

namespace ledge::tmpl {

// Decodes UTF-8; malformed bytes become U+FFFD so that indexing never fails.
std::u32string utf8_decode(std::string_view s);
std::string utf8_encode(std::u32string_view s);
void append_utf8(std::string& out, char32_t cp);
size_t utf8_length(std::string_view s);

// Python str.isspace() for one code point (what str.strip()/split() remove).
bool is_py_space(char32_t cp);
// Python str.isprintable() for one code point (what repr() leaves unescaped).
bool is_py_printable(char32_t cp);

std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
// str.capitalize(): first character upper-cased (title-cased), rest lower-cased.
std::string py_capitalize(std::string_view s);
// Python str.title(): words = runs of cased letters.
std::string py_title(std::string_view s);
bool is_cased_upper(char32_t cp);
// Python str.isalnum() for one code point (letters and numbers).
bool is_py_alnum(char32_t cp);
bool is_cased_lower(char32_t cp);

}  // namespace ledge::tmpl
