// Jinja2's built-in filters (3.1 semantics) plus Hugging Face's `tojson`
// (Python json.dumps with ensure_ascii=False).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

#include "template/builtins.h"
#include "template/error.h"
#include "template/interpreter.h"
#include "template/json_output.h"
#include "template/markup.h"
#include "template/operators.h"
#include "template/py_format.h"
#include "template/unicode.h"

namespace ledge::tmpl {

namespace {

using FilterFn = std::function<Value(Interpreter&, const Value&, CallArgs&)>;

// Jinja2's make_attrgetter: "a.b.0" walks items (then attributes) part by part.
Value lookup_path(const Value& obj, const Value& path) {
  if (!path.is_string()) return get_item(obj, path);
  Value cur = obj;
  const std::string& p = path.str();
  size_t start = 0;
  while (true) {
    size_t dot = p.find('.', start);
    std::string part = p.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool numeric = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos && part.size() < 18;
    if (cur.is_undefined()) undefined_error(cur);
    cur = numeric ? get_item(cur, Value(static_cast<int64_t>(std::stoll(part)))) : get_item(cur, Value(part));
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

std::vector<Value> as_sequence(const Value& v) { return iterate(v); }

// Key used by sort/unique/min/max/dictsort when case_sensitive is false.
Value fold_case(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value(py_lower(v.str()));
  return v;
}

std::optional<int64_t> parse_int_str(std::string s, int base) {
  std::string t;
  for (char c : s)
    if (c != '_') t.push_back(c);
  size_t b = 0, e = t.size();
  while (b < e && std::isspace(static_cast<unsigned char>(t[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(t[e - 1]))) --e;
  t = t.substr(b, e - b);
  if (t.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(t.c_str(), &end, base);
  if (errno == ERANGE || end != t.c_str() + t.size()) return std::nullopt;
  return static_cast<int64_t>(v);
}

std::optional<double> parse_float_str(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  std::string t = s.substr(b, e - b);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return v;
}

// Python round(x, ndigits): decimal rounding of the exact binary value with
// ties to even, which is what glibc's printf does.
double py_round(double x, int64_t ndigits) {
  if (!std::isfinite(x)) return x;
  if (ndigits > 330) return x;  // beyond the last significant digit of any double
  if (ndigits < 0) {
    double p = std::pow(10.0, static_cast<double>(-ndigits));
    return std::nearbyint(x / p) * p;
  }
  char buf[700];  // 309 integer digits + point + 330 decimals fit
  std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(ndigits), x);
  return std::strtod(buf, nullptr);
}


std::vector<Value> select_items(Interpreter& interp, const Value& seq, CallArgs& args, bool by_attribute,
                                bool keep_matching) {
  std::vector<Value> rest = args.positional;
  if (!args.keyword.empty()) fail("select filters take no keyword arguments");
  Value attr;
  if (by_attribute) {
    if (rest.empty()) fail("selectattr/rejectattr need an attribute name");
    attr = rest.front();
    rest.erase(rest.begin());
  }
  std::string test_name;
  if (!rest.empty()) {
    if (!rest.front().is_string()) fail("test name must be a string");
    test_name = rest.front().str();
    rest.erase(rest.begin());
  }
  std::vector<Value> out;
  if (!seq.truthy()) return out;  // Jinja2 yields nothing for falsy input (None included)
  for (const Value& item : as_sequence(seq)) {
    interp.tick();
    Value subject = by_attribute ? lookup_path(item, attr) : item;
    bool ok;
    if (test_name.empty()) {
      ok = subject.truthy();
    } else {
      CallArgs targs;
      targs.positional = rest;
      ok = interp.test(test_name, subject, targs, kNoPosition);
    }
    if (ok == keep_matching) out.push_back(item);
  }
  return out;
}

Value sum_values(Interpreter& interp, const std::vector<Value>& items, Value start) {
  Value acc = std::move(start);
  for (const Value& v : items) acc = arithmetic("+", acc, v, interp);
  return acc;
}

const std::unordered_map<std::string, FilterFn>& registry() {
  static const std::unordered_map<std::string, FilterFn> filters = [] {
    std::unordered_map<std::string, FilterFn> f;

    f["tojson"] = [](Interpreter& interp, const Value& v, CallArgs& args) {
      BoundArgs a("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"});
      JsonDumpOptions o;
      o.ensure_ascii = a.get_or(0, Value(false)).truthy();
      Value indent = a.get_or(1, Value::none());
      if (indent.is_int() || indent.is_bool()) {
        int64_t n = indent.as_int();
        if (n > 1000) fail("tojson indent too large");
        o.indent = std::string(static_cast<size_t>(std::max<int64_t>(n, 0)), ' ');
      } else if (indent.is_string()) {
        o.indent = indent.str();
      } else if (!indent.is_none()) {
        fail("tojson indent must be an int or a string");
      }
      if (o.indent) o.item_separator = ",";
      Value seps = a.get_or(2, Value::none());
      if (seps.is_list()) {
        if (seps.items().size() != 2 || !seps.items()[0].is_string() || !seps.items()[1].is_string())
          fail("tojson separators must be a pair of strings");
        o.item_separator = seps.items()[0].str();
        o.key_separator = seps.items()[1].str();
      } else if (!seps.is_none()) {
        fail("tojson separators must be a pair of strings");
      }
      o.sort_keys = a.get_or(3, Value(false)).truthy();
      std::string out = json_dumps(v, o);
      interp.check_size(out.size());
      interp.charge(out.size());
      return Value(std::move(out));
    };
    f["trim"] = [](Interpreter& interp, const Value& v, CallArgs& args) {
      BoundArgs a("trim", args, {"chars"});
      CallArgs margs;
      if (a.has(0)) margs.positional.push_back(a.get(0));
      Value s(v.to_str());
      return (*bound_method(s, "strip")).callable_obj().fn(interp, margs);
    };
    f["upper"] = [](Interpreter&, const Value& v, CallArgs&) { return Value(py_upper(v.to_str())); };
    f["lower"] = [](Interpreter&, const Value& v, CallArgs&) { return Value(py_lower(v.to_str())); };
    f["capitalize"] = [](Interpreter&, const Value& v, CallArgs&) { return Value(py_capitalize(v.to_str())); };
    f["title"] = [](Interpreter&, const Value& v, CallArgs&) {
      // Jinja2 splits on runs of whitespace and -({[< and title-cases each piece.
      std::u32string cps = utf8_decode(v.to_str());
      std::string out;
      bool at_word_start = true;
      for (char32_t c : cps) {
        bool sep = is_py_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
        std::string one;
        append_utf8(one, c);
        if (sep) {
          out += one;
          at_word_start = true;
        } else {
          out += at_word_start ? py_upper(one) : py_lower(one);
          at_word_start = false;
        }
      }
      return Value(std::move(out));
    };
    FilterFn length = [](Interpreter&, const Value& v, CallArgs&) -> Value {
      switch (v.kind()) {
        case Kind::Undefined: return Value(int64_t{0});
        case Kind::String: return Value(static_cast<int64_t>(utf8_length(v.str())));
        case Kind::List: return Value(static_cast<int64_t>(v.items().size()));
        case Kind::Dict: case Kind::Namespace: return Value(static_cast<int64_t>(v.dict_obj().size()));
        default: fail("object of type '" + v.type_name() + "' has no len()");
      }
    };
    f["length"] = length;
    f["count"] = length;
    f["join"] = [](Interpreter& interp, const Value& v, CallArgs& args) {
      BoundArgs a("join", args, {"d", "attribute"});
      std::string sep = a.get_or(0, Value("")).to_str();
      std::string out;
      bool first = true;
      for (const Value& item : as_sequence(v)) {
        if (!first) out += sep;
        first = false;
        out += (a.has(1) && !a.get(1).is_none()) ? lookup_path(item, a.get(1)).to_str() : item.to_str();
        interp.check_size(out.size());
      }
      interp.charge(out.size());
      return Value(std::move(out));
    };
    FilterFn dflt = [](Interpreter&, const Value& v, CallArgs& args) {
      BoundArgs a("default", args, {"default_value", "boolean"});
      bool boolean = a.get_or(1, Value(false)).truthy();
      if (v.is_undefined() || (boolean && !v.truthy())) return a.get_or(0, Value(""));
      return v;
    };
    f["default"] = dflt;
    f["d"] = dflt;
    f["items"] = [](Interpreter&, const Value& v, CallArgs&) {
      if (v.is_undefined()) return Value::list({});
      if (!v.is_dict()) fail("Can only get item pairs from a mapping.");
      std::vector<Value> out;
      for (const auto& [k, val] : v.dict_obj().entries) out.push_back(Value::tuple({k, val}));
      return Value::list(std::move(out));
    };
    f["replace"] = [](Interpreter& interp, const Value& v, CallArgs& args) {
      BoundArgs a("replace", args, {"old", "new", "count"});
      CallArgs margs;
      margs.positional = {Value(a.get_or(0, Value("")).to_str()), Value(a.get_or(1, Value("")).to_str())};
      if (a.has(2) && !a.get(2).is_none()) margs.positional.push_back(a.get(2));
      Value r = (*bound_method(Value(v.to_str()), "replace")).callable_obj().fn(interp, margs);
      interp.check_size(r.str().size());
      interp.charge(r.str().size());
      return r;
    };
    f["select"] = [](Interpreter& i, const Value& v, CallArgs& a) { return Value::list(select_items(i, v, a, false, true)); };
    f["reject"] = [](Interpreter& i, const Value& v, CallArgs& a) { return Value::list(select_items(i, v, a, false, false)); };
    f["selectattr"] = [](Interpreter& i, const Value& v, CallArgs& a) { return Value::list(select_items(i, v, a, true, true)); };
    f["rejectattr"] = [](Interpreter& i, const Value& v, CallArgs& a) { return Value::list(select_items(i, v, a, true, false)); };
    f["map"] = [](Interpreter& interp, const Value& v, CallArgs& args) {
      std::vector<Value> out;
      if (!v.truthy()) return Value::list({});  // Jinja2 maps nothing for falsy input
      Value attribute, dflt;
      bool has_attribute = false;
      for (auto& [k, val] : args.keyword) {
        if (k == "attribute") { attribute = val; has_attribute = true; }
        else if (k == "default") dflt = val;
      }
      if (has_attribute) {
        for (const Value& item : as_sequence(v)) {
          Value r = lookup_path(item, attribute);
          out.push_back(r.is_undefined() && !dflt.is_undefined() ? dflt : r);
        }
        return Value::list(std::move(out));
      }
      if (args.positional.empty() || !args.positional[0].is_string()) fail("map() needs a filter name or attribute=");
      std::string name = args.positional[0].str();
      CallArgs rest;
      rest.positional.assign(args.positional.begin() + 1, args.positional.end());
      rest.keyword = args.keyword;
      for (const Value& item : as_sequence(v)) {
        CallArgs copy = rest;
        out.push_back(interp.filter(name, item, copy, kNoPosition));
      }
      return Value::list(std::move(out));
    };
    f["first"] = [](Interpreter&, const Value& v, CallArgs&) {
      std::vector<Value> items = as_sequence(v);
      if (items.empty()) return Value::undefined("No first item, sequence was empty.");
      return items.front();
    };
    f["last"] = [](Interpreter&, const Value& v, CallArgs&) {
      std::vector<Value> items = as_sequence(v);
      if (items.empty()) return Value::undefined("No last item, sequence was empty.");
      return items.back();
    };
    f["string"] = [](Interpreter&, const Value& v, CallArgs&) { return v.is_string() ? v : Value(v.to_str()); };
    f["int"] = [](Interpreter&, const Value& v, CallArgs& args) {
      BoundArgs a("int", args, {"default", "base"});
      if (v.is_undefined()) undefined_error(v);
      Value dflt = a.get_or(0, Value(int64_t{0}));
      int base = static_cast<int>(a.get_or(1, Value(int64_t{10})).as_int());
      if (v.is_string()) {
        if (auto n = parse_int_str(v.str(), base)) return Value(*n);
        if (auto d = parse_float_str(v.str()))
          if (std::isfinite(*d) && std::fabs(*d) < 9.2e18) return Value(static_cast<int64_t>(*d));
        return dflt;
      }
      if (v.is_float() && !std::isfinite(v.as_float())) return dflt;
      if (auto n = to_integer(v)) return Value(*n);
      return dflt;
    };
    f["float"] = [](Interpreter&, const Value& v, CallArgs& args) {
      BoundArgs a("float", args, {"default"});
      if (v.is_undefined()) undefined_error(v);
      if (v.is_number()) return Value(v.as_float());
      if (v.is_string())
        if (auto d = parse_float_str(v.str())) return Value(*d);
      return a.get_or(0, Value(0.0));
    };
    f["list"] = [](Interpreter&, const Value& v, CallArgs&) { return Value::list(as_sequence(v)); };
    f["indent"] = [](Interpreter& interp, const Value& v, CallArgs& args) {
      BoundArgs a("indent", args, {"width", "first", "blank"});
      if (v.is_undefined()) undefined_error(v);
      Value width = a.get_or(0, Value(int64_t{4}));
      std::string pad;
      if (width.is_string()) {
        pad = width.str();
      } else {
        int64_t w = to_integer(width).value_or(4);
        if (w > 10000) fail("indent width too large");
        pad.assign(static_cast<size_t>(std::max<int64_t>(w, 0)), ' ');
      }
      bool first = a.get_or(1, Value(false)).truthy();
      bool blank = a.get_or(2, Value(false)).truthy();
      CallArgs none;
      Value lines_v = (*bound_method(Value(v.to_str() + "\n"), "splitlines")).callable_obj().fn(interp, none);
      const auto& lines = lines_v.items();
      std::string out;
      for (size_t i = 0; i < lines.size(); ++i) {
        const std::string& line = lines[i].str();
        if (i > 0) {
          out += "\n";
          if (blank || !line.empty()) out += pad;
        }
        out += line;
        interp.check_size(out.size());
      }
      if (first) out = pad + out;
      interp.charge(out.size());
      return Value(std::move(out));
    };
    f["safe"] = [](Interpreter&, const Value& v, CallArgs&) { return Value::markup(v.to_str()); };
    FilterFn escape = [](Interpreter&, const Value& v, CallArgs&) {
      return v.is_markup() ? v : Value::markup(html_escape(v.to_str()));
    };
    f["escape"] = escape;
    f["e"] = escape;
    f["forceescape"] = [](Interpreter&, const Value& v, CallArgs&) { return Value::markup(html_escape(v.to_str())); };
    f["unique"] = [](Interpreter&, const Value& v, CallArgs& args) {
      BoundArgs a("unique", args, {"case_sensitive", "attribute"});
      bool cs = a.get_or(0, Value(false)).truthy();
      std::vector<Value> out, seen;
      for (const Value& item : as_sequence(v)) {
        Value key = fold_case(a.has(1) && !a.get(1).is_none() ? lookup_path(item, a.get(1)) : item, cs);
        bool dup = false;
        for (const Value& s : seen)
          if (values_equal(s, key)) { dup = true; break; }
        if (!dup) {
          seen.push_back(key);
          out.push_back(item);
        }
      }
      return Value::list(std::move(out));
    };
    f["sort"] = [](Interpreter&, const Value& v, CallArgs& args) {
      BoundArgs a("sort", args, {"reverse", "case_sensitive", "attribute"});
      bool reverse = a.get_or(0, Value(false)).truthy();
      bool cs = a.get_or(1, Value(false)).truthy();
      std::vector<Value> items = as_sequence(v);
      std::vector<std::pair<Value, Value>> keyed;
      for (auto& item : items)
        keyed.emplace_back(fold_case(a.has(2) && !a.get(2).is_none() ? lookup_path(item, a.get(2)) : item, cs), item);
      std::stable_sort(keyed.begin(), keyed.end(), [reverse](const auto& x, const auto& y) {
        return reverse ? value_less(y.first, x.first) : value_less(x.first, y.first);
      });
      std::vector<Value> out;
      for (auto& kv : keyed) out.push_back(kv.second);
      return Value::list(std::move(out));
    };
    f["dictsort"] = [](Interpreter&, const Value& v, CallArgs& args) {
      BoundArgs a("dictsort", args, {"case_sensitive", "by", "reverse"});
      if (!v.is_dict()) fail("dictsort needs a mapping, got " + v.type_name());
      bool cs = a.get_or(0, Value(false)).truthy();
      std::string by = a.get_or(1, Value("key")).to_str();
      if (by != "key" && by != "value") fail("You can only sort by either \"key\" or \"value\"");
      bool reverse = a.get_or(2, Value(false)).truthy();
      std::vector<std::pair<Value, Value>> entries = v.dict_obj().entries;
      std::stable_sort(entries.begin(), entries.end(), [&](const auto& x, const auto& y) {
        Value kx = fold_case(by == "key" ? x.first : x.second, cs);
        Value ky = fold_case(by == "key" ? y.first : y.second, cs);
        return reverse ? value_less(ky, kx) : value_less(kx, ky);
      });
      std::vector<Value> out;
      for (auto& [k, val] : entries) out.push_back(Value::tuple({k, val}));
      return Value::list(std::move(out));
    };
    f["reverse"] = [](Interpreter&, const Value& v, CallArgs&) {
      if (v.is_string()) {
        std::u32string cps = utf8_decode(v.str());
        std::reverse(cps.begin(), cps.end());
        return Value(utf8_encode(cps));
      }
      std::vector<Value> items = as_sequence(v);
      std::reverse(items.begin(), items.end());
      return Value::list(std::move(items));
    };
    f["sum"] = [](Interpreter& interp, const Value& v, CallArgs& args) {
      BoundArgs a("sum", args, {"attribute", "start"});
      std::vector<Value> items = as_sequence(v);
      if (a.has(0) && !a.get(0).is_none())
        for (auto& item : items) item = lookup_path(item, a.get(0));
      return sum_values(interp, items, a.get_or(1, Value(int64_t{0})));
    };
    auto extreme = [](bool want_max) -> FilterFn {
      return [want_max](Interpreter&, const Value& v, CallArgs& args) {
        BoundArgs a(want_max ? "max" : "min", args, {"case_sensitive", "attribute"});
        bool cs = a.get_or(0, Value(false)).truthy();
        std::vector<Value> items = as_sequence(v);
        if (items.empty()) return Value::undefined(std::string("No aggregated item, sequence was empty."));
        auto key = [&](const Value& item) {
          return fold_case(a.has(1) && !a.get(1).is_none() ? lookup_path(item, a.get(1)) : item, cs);
        };
        size_t best = 0;
        for (size_t i = 1; i < items.size(); ++i) {
          bool better = want_max ? value_less(key(items[best]), key(items[i])) : value_less(key(items[i]), key(items[best]));
          if (better) best = i;
        }
        return items[best];
      };
    };
    f["max"] = extreme(true);
    f["min"] = extreme(false);
    f["abs"] = [](Interpreter&, const Value& v, CallArgs&) {
      if (v.is_float()) return Value(std::fabs(v.as_float()));
      if (v.is_int() || v.is_bool()) {
        if (v.as_int() == INT64_MIN) fail("integer overflow in abs");
        return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
      }
      fail("bad operand type for abs(): '" + v.type_name() + "'");
    };
    f["round"] = [](Interpreter&, const Value& v, CallArgs& args) {
      BoundArgs a("round", args, {"precision", "method"});
      int64_t precision = to_integer(a.get_or(0, Value(int64_t{0}))).value_or(0);
      std::string method = a.get_or(1, Value("common")).to_str();
      if (!v.is_number()) fail("round() needs a number, got " + v.type_name());
      if (method == "common") {
        if (!v.is_float()) return Value(v.as_int());
        return Value(py_round(v.as_float(), precision));
      }
      if (method != "ceil" && method != "floor") fail("method must be common, ceil or floor");
      double p = std::pow(10.0, static_cast<double>(precision));
      double x = v.as_float() * p;
      return Value((method == "ceil" ? std::ceil(x) : std::floor(x)) / p);
    };
    f["wordcount"] = [](Interpreter&, const Value& v, CallArgs&) {
      int64_t n = 0;
      bool in_word = false;
      for (char32_t c : utf8_decode(v.to_str())) {
        bool word_char = c == '_' || is_py_alnum(c);  // Python's Unicode \w
        if (word_char && !in_word) ++n;
        in_word = word_char;
      }
      return Value(n);
    };
    f["center"] = [](Interpreter&, const Value& v, CallArgs& args) {
      BoundArgs a("center", args, {"width"});
      int64_t width = to_integer(a.get_or(0, Value(int64_t{80}))).value_or(80);
      if (width > 100000) fail("center width too large");
      std::string s = v.to_str();
      int64_t len = static_cast<int64_t>(utf8_length(s));
      if (width <= len) return Value(s);
      int64_t pad = width - len;
      // CPython puts the extra space on the left when both pad and width are odd.
      int64_t left = pad / 2 + (pad & width & 1);
      return Value(std::string(static_cast<size_t>(left), ' ') + s + std::string(static_cast<size_t>(pad - left), ' '));
    };
    f["groupby"] = [](Interpreter&, const Value& v, CallArgs& args) {
      BoundArgs a("groupby", args, {"attribute", "default", "case_sensitive"});
      if (!a.has(0)) fail("groupby() needs an attribute");
      bool cs = a.get_or(2, Value(false)).truthy();
      auto key_of = [&](const Value& item) {
        Value k = lookup_path(item, a.get(0));
        if (k.is_undefined() && a.has(1)) k = a.get(1);
        return k;
      };
      std::vector<std::pair<Value, Value>> keyed;
      for (const Value& item : as_sequence(v)) keyed.emplace_back(fold_case(key_of(item), cs), item);
      std::stable_sort(keyed.begin(), keyed.end(),
                       [](const auto& x, const auto& y) { return value_less(x.first, y.first); });
      static const auto fields = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"grouper", "list"});
      std::vector<Value> out;
      for (size_t i = 0; i < keyed.size();) {
        size_t j = i;
        std::vector<Value> members;
        while (j < keyed.size() && values_equal(keyed[j].first, keyed[i].first)) members.push_back(keyed[j++].second);
        // The group shows the first member's own key, not its case-folded form.
        Value grouper = cs ? keyed[i].first : key_of(members.front());
        out.push_back(Value::named_tuple({grouper, Value::list(std::move(members))}, fields));
        i = j;
      }
      return Value::list(std::move(out));
    };
    f["batch"] = [](Interpreter&, const Value& v, CallArgs& args) {
      BoundArgs a("batch", args, {"linecount", "fill_with"});
      int64_t n = to_integer(a.get_or(0, Value(int64_t{1}))).value_or(1);
      if (n <= 0) fail("batch size must be positive");
      std::vector<Value> out, cur;
      for (const Value& item : as_sequence(v)) {
        cur.push_back(item);
        if (static_cast<int64_t>(cur.size()) == n) {
          out.push_back(Value::list(std::move(cur)));
          cur.clear();
        }
      }
      if (!cur.empty()) {
        if (a.has(1) && !a.get(1).is_none())
          while (static_cast<int64_t>(cur.size()) < n) cur.push_back(a.get(1));
        out.push_back(Value::list(std::move(cur)));
      }
      return Value::list(std::move(out));
    };
    f["truncate"] = [](Interpreter&, const Value& v, CallArgs& args) {
      BoundArgs a("truncate", args, {"length", "killwords", "end", "leeway"});
      int64_t length = to_integer(a.get_or(0, Value(int64_t{255}))).value_or(255);
      bool killwords = a.get_or(1, Value(false)).truthy();
      std::string end = a.get_or(2, Value("...")).to_str();
      int64_t leeway = to_integer(a.get_or(3, Value(int64_t{5}))).value_or(5);
      std::u32string s = utf8_decode(v.to_str());
      int64_t end_len = static_cast<int64_t>(utf8_length(end));
      if (length < end_len) fail("expected length >= " + std::to_string(end_len) + ", got " + std::to_string(length));
      if (leeway < 0) fail("expected leeway >= 0, got " + std::to_string(leeway));
      if (static_cast<int64_t>(s.size()) <= length + leeway) return Value(v.to_str());
      std::u32string head = s.substr(0, static_cast<size_t>(length - end_len));
      if (!killwords) {
        size_t sp = head.rfind(U' ');
        if (sp != std::u32string::npos) head = head.substr(0, sp);
      }
      return Value(utf8_encode(head) + end);
    };
    f["format"] = [](Interpreter&, const Value& v, CallArgs& args) {
      if (!args.keyword.empty()) fail("format filter with keyword arguments is not supported");
      return Value(py_percent_format(v.to_str(), args.positional));
    };
    f["attr"] = [](Interpreter&, const Value& v, CallArgs& args) {
      BoundArgs a("attr", args, {"name"});
      std::string name = a.get_or(0, Value("")).to_str();
      // attr() is getattr only: a dict's keys are items, not attributes.
      if (v.is_dict()) {
        if (auto m = bound_method(v, name)) return *m;
        return Value::undefined("'dict object' has no attribute '" + name + "'");
      }
      return get_attribute(v, name);
    };
    f["pprint"] = [](Interpreter&, const Value& v, CallArgs&) { return Value(v.repr()); };
    return f;
  }();
  return filters;
}

}  // namespace

bool has_filter(const std::string& name) { return registry().count(name) != 0; }

Value call_filter(Interpreter& interp, const std::string& name, const Value& input, CallArgs& args) {
  auto it = registry().find(name);
  if (it == registry().end()) fail("No filter named '" + name + "'.");
  return it->second(interp, input, args);
}

}  // namespace ledge::tmpl
