// Python json.dumps over template values, as the `tojson` filter of Hugging
// Face chat templates uses it (ensure_ascii=False, default separators ", " and
// ": ", optional indent and sort_keys).
#pragma once

#include <optional>
#include <string>

#include "template/value.h"

namespace ledge::tmpl {

struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;  // unset: single line
  std::string item_separator = ", ";
  std::string key_separator = ": ";
  bool sort_keys = false;
};

// Throws TemplateError for values json.dumps refuses (Undefined, callables).
std::string json_dumps(const Value& v, const JsonDumpOptions& options);
std::string json_quote(std::string_view s, bool ensure_ascii);

}  // namespace ledge::tmpl
