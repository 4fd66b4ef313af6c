// Python str.format() for the replacement fields templates use: automatic and
// explicit positional fields, keyword fields, attribute/index lookups, the
// !s/!r conversions and the common format-spec subset (fill, align, sign,
// width, precision, and the s/d/f/% types).
#include <cmath>
#include <cstdio>

#include "template/builtins.h"
#include "template/error.h"
#include "template/interpreter.h"
#include "template/py_format.h"
#include "template/unicode.h"

namespace ledge::tmpl {

namespace {

std::string apply_spec(const Value& v, const std::string& spec) {
  if (spec.empty()) return v.to_str();
  size_t i = 0;
  char fill = ' ', align = '\0', sign = '-';
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (spec.size() >= 2 && is_align(spec[1])) {
    fill = spec[0];
    align = spec[1];
    i = 2;
  } else if (!spec.empty() && is_align(spec[0])) {
    align = spec[0];
    i = 1;
  }
  if (i < spec.size() && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ')) sign = spec[i++];
  if (i < spec.size() && spec[i] == '0') {
    if (!align) { fill = '0'; align = '='; }
    ++i;
  }
  size_t width = 0;
  while (i < spec.size() && spec[i] >= '0' && spec[i] <= '9') width = width * 10 + static_cast<size_t>(spec[i++] - '0');
  if (width > 100000) fail("format width too large");
  int precision = -1;
  if (i < spec.size() && spec[i] == '.') {
    ++i;
    precision = 0;
    while (i < spec.size() && spec[i] >= '0' && spec[i] <= '9') precision = precision * 10 + (spec[i++] - '0');
    if (precision > 100) fail("format precision too large");
  }
  char type = i < spec.size() ? spec[i++] : '\0';
  if (i != spec.size()) fail("unsupported format specifier '" + spec + "'");

  std::string body;
  bool numeric = false;
  if (type == 'd' || (type == '\0' && (v.is_int() || v.is_bool()) && precision < 0)) {
    if (!v.is_int() && !v.is_bool()) fail("Unknown format code 'd' for object of type '" + v.type_name() + "'");
    numeric = true;
    body = std::to_string(v.as_int());
  } else if (type == 'f' || type == 'F' || type == '%' || type == 'e' || type == 'g' ||
             (type == '\0' && v.is_float())) {
    if (!v.is_number()) fail(std::string("Unknown format code '") + type + "' for object of type '" + v.type_name() + "'");
    numeric = true;
    double d = v.as_float();
    if (type == '\0' && precision < 0) {
      body = py_float_repr(d);
    } else {
      if (type == '%') d *= 100.0;
      char fmt[16];
      char conv = (type == '%' || type == '\0') ? 'f' : type;
      std::snprintf(fmt, sizeof fmt, "%%.%d%c", precision < 0 ? 6 : precision, conv);
      char buf[512];
      std::snprintf(buf, sizeof buf, fmt, d);
      body = buf;
      if (type == '%') body += '%';
    }
  } else if (type == 's' || type == '\0') {
    body = v.to_str();
    if (precision >= 0) {
      std::u32string cps = utf8_decode(body);
      if (cps.size() > static_cast<size_t>(precision)) body = utf8_encode(cps.substr(0, static_cast<size_t>(precision)));
    }
  } else {
    fail(std::string("unsupported format type '") + type + "'");
  }
  std::string sign_str;
  if (numeric) {
    if (!body.empty() && body[0] == '-') {
      sign_str = "-";
      body.erase(0, 1);
    } else if (sign == '+') {
      sign_str = "+";
    } else if (sign == ' ') {
      sign_str = " ";
    }
  }
  size_t len = utf8_length(body) + sign_str.size();
  if (!align) align = numeric ? '>' : '<';
  if (len >= width) return sign_str + body;
  size_t pad = width - len;
  std::string f(1, fill);
  auto rep = [&](size_t n) {
    std::string s;
    for (size_t k = 0; k < n; ++k) s += f;
    return s;
  };
  switch (align) {
    case '<': return sign_str + body + rep(pad);
    case '>': return rep(pad) + sign_str + body;
    case '^': return rep(pad / 2) + sign_str + body + rep(pad - pad / 2);
    default: return sign_str + rep(pad) + body;
  }
}

Value resolve_field(const std::string& field, const CallArgs& args, size_t& auto_index, bool& used_auto,
                    bool& used_manual) {
  size_t end = field.find_first_of(".[");
  std::string head = field.substr(0, end);
  Value v;
  if (head.empty()) {
    if (used_manual) fail("cannot switch from manual field specification to automatic field numbering");
    used_auto = true;
    if (auto_index >= args.positional.size()) fail("Replacement index " + std::to_string(auto_index) + " out of range");
    v = args.positional[auto_index++];
  } else if (head.find_first_not_of("0123456789") == std::string::npos) {
    if (used_auto) fail("cannot switch from automatic field numbering to manual field specification");
    used_manual = true;
    size_t idx = std::stoul(head.substr(0, 9));
    if (idx >= args.positional.size()) fail("Replacement index " + head + " out of range");
    v = args.positional[idx];
  } else {
    bool found = false;
    for (const auto& [k, kv] : args.keyword)
      if (k == head) { v = kv; found = true; }
    if (!found) fail("KeyError: '" + head + "'");
  }
  size_t p = end;
  while (p != std::string::npos && p < field.size()) {
    if (field[p] == '.') {
      size_t q = field.find_first_of(".[", p + 1);
      v = get_attribute(v, field.substr(p + 1, q == std::string::npos ? std::string::npos : q - p - 1));
      p = q;
    } else {
      size_t q = field.find(']', p);
      if (q == std::string::npos) fail("Missing ']' in format string");
      std::string key = field.substr(p + 1, q - p - 1);
      if (!key.empty() && key.find_first_not_of("0123456789") == std::string::npos)
        v = get_item(v, Value(static_cast<int64_t>(std::stoll(key.substr(0, 18)))));
      else
        v = get_item(v, Value(key));
      p = q + 1;
    }
  }
  return v;
}

}  // namespace

std::string py_str_format(const std::string& fmt, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  bool used_auto = false, used_manual = false;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') { out += '}'; ++i; continue; }
      fail("Single '}' encountered in format string");
    }
    if (c != '{') { out += c; continue; }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') { out += '{'; ++i; continue; }
    size_t close = fmt.find('}', i);
    if (close == std::string::npos) fail("Single '{' encountered in format string");
    std::string field = fmt.substr(i + 1, close - i - 1);
    i = close;
    std::string spec, conversion;
    size_t colon = field.find(':');
    if (colon != std::string::npos) {
      spec = field.substr(colon + 1);
      field.resize(colon);
    }
    size_t bang = field.find('!');
    if (bang != std::string::npos) {
      conversion = field.substr(bang + 1);
      field.resize(bang);
    }
    Value v = resolve_field(field, args, auto_index, used_auto, used_manual);
    if (conversion == "r") v = Value(v.repr());
    else if (conversion == "s") v = Value(v.to_str());
    else if (!conversion.empty()) fail("Unknown conversion specifier " + conversion);
    out += apply_spec(v, spec);
  }
  return out;
}

}  // namespace ledge::tmpl
