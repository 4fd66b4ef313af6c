#include "template/json_output.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "template/error.h"
#include "template/py_format.h"
#include "template/unicode.h"

namespace ledge::tmpl {

namespace {

constexpr int kMaxJsonDepth = 512;

void append_u_escape(std::string& out, unsigned code) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", code);
  out += buf;
}

std::string float_json(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  return py_float_repr(d);
}

std::string key_string(const Value& k) {
  switch (k.kind()) {
    case Kind::String: return k.str();
    case Kind::Int: return std::to_string(k.as_int());
    case Kind::Bool: return k.as_bool() ? "true" : "false";
    case Kind::None: return "null";
    case Kind::Float: return float_json(k.as_float());
    default:
      fail("keys must be str, int, float, bool or None, not " + k.type_name());
  }
}

class Dumper {
 public:
  explicit Dumper(const JsonDumpOptions& o) : opt_(o) {}

  void dump(const Value& v, int level) {
    if (level > kMaxJsonDepth) fail("tojson: value nested too deeply");
    switch (v.kind()) {
      case Kind::None: out += "null"; return;
      case Kind::Bool: out += v.as_bool() ? "true" : "false"; return;
      case Kind::Int: out += std::to_string(v.as_int()); return;
      case Kind::Float: out += float_json(v.as_float()); return;
      case Kind::String: out += json_quote(v.str(), opt_.ensure_ascii); return;
      case Kind::List: {
        const auto& items = v.items();
        if (items.empty()) { out += "[]"; return; }
        out += '[';
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) out += item_sep();
          newline(level + 1);
          dump(items[i], level + 1);
        }
        newline(level);
        out += ']';
        return;
      }
      case Kind::Dict: {
        const auto& entries = v.dict_obj().entries;
        if (entries.empty()) { out += "{}"; return; }
        std::vector<std::pair<std::string, const Value*>> kv;
        kv.reserve(entries.size());
        for (const auto& [k, val] : entries) kv.emplace_back(key_string(k), &val);
        if (opt_.sort_keys)
          std::stable_sort(kv.begin(), kv.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        out += '{';
        for (size_t i = 0; i < kv.size(); ++i) {
          if (i) out += item_sep();
          newline(level + 1);
          out += json_quote(kv[i].first, opt_.ensure_ascii);
          out += opt_.key_separator;
          dump(*kv[i].second, level + 1);
        }
        newline(level);
        out += '}';
        return;
      }
      default:
        fail("Object of type " + v.type_name() + " is not JSON serializable");
    }
  }

  std::string out;

 private:
  std::string item_sep() const { return opt_.item_separator; }
  void newline(int level) {
    if (!opt_.indent) return;
    out += '\n';
    for (int i = 0; i < level; ++i) out += *opt_.indent;
  }
  const JsonDumpOptions& opt_;
};

}  // namespace

std::string json_quote(std::string_view s, bool ensure_ascii) {
  std::string out = "\"";
  for (char32_t cp : utf8_decode(s)) {
    switch (cp) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (cp < 0x20) {
      append_u_escape(out, static_cast<unsigned>(cp));
    } else if (ensure_ascii && cp > 0x7F) {
      if (cp >= 0x10000) {
        char32_t v = cp - 0x10000;
        append_u_escape(out, static_cast<unsigned>(0xD800 + (v >> 10)));
        append_u_escape(out, static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
      } else {
        append_u_escape(out, static_cast<unsigned>(cp));
      }
    } else {
      append_utf8(out, cp);
    }
  }
  out += '"';
  return out;
}

std::string json_dumps(const Value& v, const JsonDumpOptions& options) {
  Dumper d(options);
  d.dump(v, 0);
  return std::move(d.out);
}

}  // namespace ledge::tmpl
