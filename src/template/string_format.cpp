// Python string formatting: printf-style `fmt % args` (the |format filter and
// the % operator) and str.format() for the replacement fields templates use: automatic and
// explicit positional fields, keyword fields, attribute/index lookups, the
// !s/!r conversions and the common format-spec subset (fill, align, sign,
// width, precision, and the s/d/f/% types).
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
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

std::string py_percent_format(const std::string& fmt, const std::vector<Value>& args) {
  std::string out;
  bool used_mapping = false;
  size_t next = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    size_t j = i + 1;
    // %(key)s takes its value from a single mapping argument.
    std::optional<std::string> mapping_key;
    if (j < fmt.size() && fmt[j] == '(') {
      size_t close = fmt.find(')', j);
      if (close == std::string::npos) fail("incomplete format key");
      mapping_key = fmt.substr(j + 1, close - j - 1);
      j = close + 1;
    }
    std::string flags;
    while (j < fmt.size() && std::string("-+ 0#").find(fmt[j]) != std::string::npos) flags += fmt[j++];
    std::string width, precision;
    bool has_precision = false;
    while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j]))) width += fmt[j++];
    if (j < fmt.size() && fmt[j] == '.') {
      ++j;
      has_precision = true;
      while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j]))) precision += fmt[j++];
      if (precision.empty()) precision = "0";
    }
    if (j >= fmt.size()) fail("incomplete format");
    if (width.size() > 5 || precision.size() > 4) fail("format width too large");
    char conv = fmt[j];
    i = j;
    Value a;
    if (mapping_key) {
      if (args.size() != 1 || !args[0].is_dict()) fail("format requires a mapping");
      const Value* found = args[0].dict_obj().find(std::string_view(*mapping_key));
      if (!found) fail("KeyError: '" + *mapping_key + "'");
      a = *found;
      used_mapping = true;
    } else {
      if (next >= args.size()) fail("not enough arguments for format string");
      a = args[next++];
    }
    std::string spec = "%" + flags + width + (has_precision ? "." + precision : "");
    char buf[1024];
    switch (conv) {
      case 's': case 'r': {
        std::string s = conv == 's' ? a.to_str() : a.repr();
        if (has_precision) {
          size_t p = static_cast<size_t>(std::atoi(precision.c_str()));
          std::u32string cps = utf8_decode(s);
          if (cps.size() > p) s = utf8_encode(cps.substr(0, p));
        }
        size_t w = width.empty() ? 0 : static_cast<size_t>(std::atoi(width.c_str()));
        size_t len = utf8_length(s);
        if (len < w) {
          if (flags.find('-') != std::string::npos) s.append(w - len, ' ');
          else s.insert(0, w - len, ' ');
        }
        out += s;
        break;
      }
      case 'd': case 'i': case 'x': case 'X': case 'o': {
        auto n = to_integer(a);
        if (!n || !a.is_number()) fail("%" + std::string(1, conv) + " format: a real number is required, not " + a.type_name());
        const char* length_conv = conv == 'x' ? "llx" : conv == 'X' ? "llX" : conv == 'o' ? "llo" : "lld";
        std::snprintf(buf, sizeof buf, (spec + length_conv).c_str(), static_cast<long long>(*n));
        out += buf;
        break;
      }
      case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': {
        if (!a.is_number()) fail("must be real number, not " + a.type_name());
        std::snprintf(buf, sizeof buf, (spec + conv).c_str(), a.as_float());
        out += buf;
        break;
      }
      default:
        fail(std::string("unsupported format character '") + conv + "'");
    }
  }
  if (!used_mapping && next < args.size()) fail("not all arguments converted during string formatting");
  return out;
}

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
