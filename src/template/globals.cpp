// Global functions available to chat templates: Jinja2's range/dict/namespace
// and the Hugging Face additions raise_exception and strftime_now.
#include <cstdio>

#include "template/builtins.h"
#include "template/error.h"
#include "template/interpreter.h"

namespace ledge::tmpl {

namespace {

struct CivilTime {
  int year, month, day, hour, minute, second;
};

CivilTime parse_iso(const std::string& s) {
  CivilTime t{};
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &t.year, &t.month, &t.day, &t.hour, &t.minute, &t.second) != 6 &&
      std::sscanf(s.c_str(), "%d-%d-%d %d:%d:%d", &t.year, &t.month, &t.day, &t.hour, &t.minute, &t.second) != 6)
    fail("strftime_now: the configured time '" + s + "' is not YYYY-MM-DDTHH:MM:SS");
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour < 0 || t.hour > 23 || t.minute < 0 ||
      t.minute > 59 || t.second < 0 || t.second > 60)
    fail("strftime_now: the configured time '" + s + "' is out of range");
  return t;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int day_of_year(const CivilTime& t) {
  static const int cumulative[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  return cumulative[t.month - 1] + t.day + (t.month > 2 && is_leap(t.year) ? 1 : 0);
}

// 0 = Monday, as Python's weekday(); Sakamoto's method gives 0 = Sunday.
int weekday_monday0(const CivilTime& t) {
  static const int offsets[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
  int y = t.year - (t.month < 3 ? 1 : 0);
  int sunday0 = (y + y / 4 - y / 100 + y / 400 + offsets[t.month - 1] + t.day) % 7;
  return (sunday0 + 6) % 7;
}

}  // namespace

std::string format_time(const std::string& fmt, const std::string& now_iso) {
  static const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                        "July",    "August",   "September", "October", "November", "December"};
  static const char* const kDays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
  CivilTime t = parse_iso(now_iso);
  std::string out;
  char buf[32];
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%' || i + 1 >= fmt.size()) {
      out += fmt[i];
      continue;
    }
    char c = fmt[++i];
    int wd = weekday_monday0(t);
    switch (c) {
      case 'Y': std::snprintf(buf, sizeof buf, "%d", t.year); out += buf; break;
      case 'y': std::snprintf(buf, sizeof buf, "%02d", t.year % 100); out += buf; break;
      case 'm': std::snprintf(buf, sizeof buf, "%02d", t.month); out += buf; break;
      case 'd': std::snprintf(buf, sizeof buf, "%02d", t.day); out += buf; break;
      case 'e': std::snprintf(buf, sizeof buf, "%2d", t.day); out += buf; break;
      case '-':  // glibc extension: %-d, %-m, %-H ... without padding
        if (i + 1 < fmt.size()) {
          char n = fmt[++i];
          int v = n == 'd' ? t.day : n == 'm' ? t.month : n == 'H' ? t.hour : n == 'M' ? t.minute
                : n == 'S' ? t.second : n == 'I' ? (t.hour % 12 == 0 ? 12 : t.hour % 12) : n == 'j' ? day_of_year(t) : -1;
          if (v < 0) { out += "%-"; out += n; }
          else out += std::to_string(v);
        }
        break;
      case 'B': out += kMonths[t.month - 1]; break;
      case 'b': case 'h': out += std::string(kMonths[t.month - 1]).substr(0, 3); break;
      case 'A': out += kDays[wd]; break;
      case 'a': out += std::string(kDays[wd]).substr(0, 3); break;
      case 'H': std::snprintf(buf, sizeof buf, "%02d", t.hour); out += buf; break;
      case 'I': std::snprintf(buf, sizeof buf, "%02d", t.hour % 12 == 0 ? 12 : t.hour % 12); out += buf; break;
      case 'M': std::snprintf(buf, sizeof buf, "%02d", t.minute); out += buf; break;
      case 'S': std::snprintf(buf, sizeof buf, "%02d", t.second); out += buf; break;
      case 'p': out += t.hour < 12 ? "AM" : "PM"; break;
      case 'j': std::snprintf(buf, sizeof buf, "%03d", day_of_year(t)); out += buf; break;
      case 'w': out += std::to_string((wd + 1) % 7); break;
      case 'u': out += std::to_string(wd + 1); break;
      case 'F': std::snprintf(buf, sizeof buf, "%d-%02d-%02d", t.year, t.month, t.day); out += buf; break;
      case 'T': std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", t.hour, t.minute, t.second); out += buf; break;
      case '%': out += '%'; break;
      default: out += '%'; out += c; break;
    }
  }
  return out;
}

void install_globals(std::unordered_map<std::string, Value>& vars, const GlobalsConfig& config) {
  vars["raise_exception"] = Value::callable("raise_exception", [](Interpreter&, CallArgs& args) -> Value {
    BoundArgs a("raise_exception", args, {"message"});
    fail(a.get_or(0, Value("")).to_str());
  });
  std::string now = config.now;
  vars["strftime_now"] = Value::callable("strftime_now", [now](Interpreter&, CallArgs& args) -> Value {
    BoundArgs a("strftime_now", args, {"format"});
    if (!a.has(0) || !a.get(0).is_string()) fail("strftime_now() needs a format string");
    return Value(format_time(a.get(0).str(), now));
  });
  vars["namespace"] = Value::callable("namespace", [](Interpreter&, CallArgs& args) -> Value {
    auto d = std::make_shared<DictObj>();
    for (const Value& p : args.positional) {
      if (!p.is_dict()) fail("namespace() positional arguments must be dicts");
      for (const auto& [k, v] : p.dict_obj().entries) d->set(k, v);
    }
    for (auto& [k, v] : args.keyword) d->set(Value(k), v);
    return Value::namespace_obj(std::move(d));
  });
  vars["dict"] = Value::callable("dict", [](Interpreter&, CallArgs& args) -> Value {
    auto d = std::make_shared<DictObj>();
    for (const Value& p : args.positional) {
      if (p.is_dict()) {
        for (const auto& [k, v] : p.dict_obj().entries) d->set(k, v);
      } else {
        for (const Value& pair : iterate(p)) {
          if (!pair.is_list() || pair.items().size() != 2) fail("dict() sequence elements must be pairs");
          d->set(pair.items()[0], pair.items()[1]);
        }
      }
    }
    for (auto& [k, v] : args.keyword) d->set(Value(k), v);
    return Value::dict(std::move(d));
  });
  vars["joiner"] = Value::callable("joiner", [](Interpreter&, CallArgs& args) -> Value {
    BoundArgs a("joiner", args, {"sep"});
    std::string sep = a.get_or(0, Value(", ")).to_str();
    auto used = std::make_shared<bool>(false);
    return Value::callable("joiner", [sep, used](Interpreter&, CallArgs&) -> Value {
      if (!*used) {
        *used = true;
        return Value("");
      }
      return Value(sep);
    });
  });
  vars["range"] = Value::callable("range", [](Interpreter& interp, CallArgs& args) -> Value {
    if (!args.keyword.empty()) fail("range() takes no keyword arguments");
    std::vector<int64_t> n;
    for (const Value& v : args.positional) {
      if (!v.is_int() && !v.is_bool()) fail("'" + v.type_name() + "' object cannot be interpreted as an integer");
      n.push_back(v.as_int());
    }
    int64_t start = 0, stop = 0, step = 1;
    if (n.size() == 1) stop = n[0];
    else if (n.size() == 2) { start = n[0]; stop = n[1]; }
    else if (n.size() == 3) { start = n[0]; stop = n[1]; step = n[2]; }
    else fail("range expected 1 to 3 arguments, got " + std::to_string(n.size()));
    if (step == 0) fail("range() arg 3 must not be zero");
    long double count_ld = step > 0 ? (static_cast<long double>(stop) - start) / step
                                    : (static_cast<long double>(start) - stop) / -static_cast<long double>(step);
    if (count_ld > static_cast<long double>(interp.limits().max_range))
      fail("range() of " + std::to_string(static_cast<long long>(count_ld)) + " elements exceeds the limit of " +
           std::to_string(interp.limits().max_range));
    std::vector<Value> out;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      out.emplace_back(i);
      if ((step > 0 && i > INT64_MAX - step) || (step < 0 && i < INT64_MIN - step)) break;
    }
    return Value::list(std::move(out));
  });
}

}  // namespace ledge::tmpl
