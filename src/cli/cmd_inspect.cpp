// `ledge inspect MODEL.gguf`: metadata, tensor table and a one-line summary
// of a GGUF file, or the reader's error (exit 1) when the file is malformed.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "gguf/gguf.h"

namespace ledge::cli {
namespace {

using gguf::Array;
using gguf::File;
using gguf::TensorInfo;
using gguf::Value;
using gguf::ValueType;

struct InspectOptions {
  std::string path;
  bool no_metadata = false;
  bool no_tensors = false;
  bool json = false;
  size_t max_items = 5;         // array items shown
  size_t max_string = 80;       // bytes of a string shown
};

// Length of the valid UTF-8 sequence starting at s[i], or 0.
size_t utf8_len(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

// A quoted, escaped, possibly truncated string for the terminal: valid UTF-8
// is kept, control characters and invalid bytes are escaped.
std::string quote(std::string_view s, size_t max_bytes) {
  std::string out = "\"";
  size_t i = 0;
  for (; i < s.size() && i < max_bytes;) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = utf8_len(s, i);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c == '\n') {
      out += "\\n";
      ++i;
    } else if (c == '\t') {
      out += "\\t";
      ++i;
    } else if (n == 0 || c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  out += '"';
  if (i < s.size()) out += fmt::format("...({} bytes)", s.size());
  return out;
}

std::string format_value(const Value& v, const InspectOptions& o);

std::string format_array(const Array& a, const InspectOptions& o) {
  std::string out = fmt::format("[{} x {}]", gguf::value_type_name(a.elem_type), a.items.size());
  if (a.items.empty()) return out;
  out += " [";
  size_t shown = std::min(a.items.size(), o.max_items);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out += ", ";
    out += format_value(a.items[i], o);
  }
  if (shown < a.items.size()) out += ", ...";
  out += "]";
  return out;
}

std::string format_value(const Value& v, const InspectOptions& o) {
  switch (v.type) {
    case ValueType::UINT8: return std::to_string(std::get<uint8_t>(v.data));
    case ValueType::INT8: return std::to_string(std::get<int8_t>(v.data));
    case ValueType::UINT16: return std::to_string(std::get<uint16_t>(v.data));
    case ValueType::INT16: return std::to_string(std::get<int16_t>(v.data));
    case ValueType::UINT32: return std::to_string(std::get<uint32_t>(v.data));
    case ValueType::INT32: return std::to_string(std::get<int32_t>(v.data));
    case ValueType::UINT64: return std::to_string(std::get<uint64_t>(v.data));
    case ValueType::INT64: return std::to_string(std::get<int64_t>(v.data));
    case ValueType::FLOAT32: return fmt::format("{}", std::get<float>(v.data));
    case ValueType::FLOAT64: return fmt::format("{}", std::get<double>(v.data));
    case ValueType::BOOL: return std::get<bool>(v.data) ? "true" : "false";
    case ValueType::STRING: return quote(std::get<std::string>(v.data), o.max_string);
    case ValueType::ARRAY: return format_array(std::get<Array>(v.data), o);
  }
  return "?";
}

std::string shape(const TensorInfo& t) {
  std::string out = "[";
  for (uint32_t d = 0; d < t.n_dims; ++d) out += (d ? ", " : "") + std::to_string(t.ne[d]);
  return out + "]";
}

// 3 significant digits with K/M/B, e.g. "1.84M".
std::string human_count(uint64_t n) {
  static const std::pair<double, const char*> units[] = {{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}};
  for (const auto& [scale, suffix] : units) {
    double x = static_cast<double>(n) / scale;
    if (x >= 1.0) {
      int decimals = x < 10 ? 2 : x < 100 ? 1 : 0;
      return fmt::format("{:.{}f}{}", x, decimals, suffix);
    }
  }
  return std::to_string(n);
}

std::string human_bytes(uint64_t n) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double x = static_cast<double>(n);
  int u = 0;
  while (x >= 1024 && u < 4) {
    x /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", n) : fmt::format("{:.2f} {}", x, units[u]);
}

// "Q4_K×13, Q6_K×3, F32×5": most frequent type first.
std::vector<std::pair<std::string, size_t>> quant_mix(const File& f) {
  std::map<std::string, size_t> counts;
  for (const auto& t : f.tensors()) counts[std::string(gguf::tensor_type_name(t.type))]++;
  std::vector<std::pair<std::string, size_t>> mix(counts.begin(), counts.end());
  std::stable_sort(mix.begin(), mix.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return mix;
}

uint64_t param_count(const File& f) {
  uint64_t n = 0;
  for (const auto& t : f.tensors()) n += t.n_elements;  // each <= INT64_MAX; a sum past 2^64 is not a real file
  return n;
}

std::string summary(const File& f) {
  auto arch = f.get_string("general.architecture");
  std::string mix;
  for (const auto& [name, count] : quant_mix(f)) mix += fmt::format("{}{}\u00d7{}", mix.empty() ? "" : ", ", name, count);
  return fmt::format("{}, {} params, {}, {}", arch.ok() ? *arch : std::string("(no general.architecture)"),
                     human_count(param_count(f)), human_bytes(f.file_size()), mix.empty() ? "no tensors" : mix);
}

void print_text(const File& f, const InspectOptions& o) {
  std::printf("%s: GGUF v%u, %llu bytes, alignment %llu, data section at byte offset %llu\n", o.path.c_str(),
              f.version(), static_cast<unsigned long long>(f.file_size()),
              static_cast<unsigned long long>(f.alignment()), static_cast<unsigned long long>(f.data_offset()));
  if (!o.no_metadata) {
    std::printf("\nmetadata (%zu keys):\n", f.metadata().size());
    size_t w = 0;
    for (const auto& kv : f.metadata()) w = std::max(w, std::min<size_t>(kv.key.size(), 48));
    for (const auto& kv : f.metadata()) {
      std::string key = quote(kv.key, 200);
      key = key.substr(1, key.size() - 2);  // keys print unquoted but escaped
      std::printf("  %-*s  %-7s  %s\n", static_cast<int>(w), key.c_str(),
                  std::string(gguf::value_type_name(kv.value.type)).c_str(), format_value(kv.value, o).c_str());
    }
  }
  if (!o.no_tensors) {
    std::printf("\ntensors (%zu):\n", f.tensors().size());
    size_t w = 4;
    for (const auto& t : f.tensors()) w = std::max(w, t.name.size());
    std::printf("  %5s  %-*s  %-7s  %-20s  %12s\n", "#", static_cast<int>(w), "name", "type", "shape (ne)", "bytes");
    for (size_t i = 0; i < f.tensors().size(); ++i) {
      const TensorInfo& t = f.tensors()[i];
      std::string name = quote(t.name, 256);
      name = name.substr(1, name.size() - 2);
      std::printf("  %5zu  %-*s  %-7s  %-20s  %12llu\n", i, static_cast<int>(w), name.c_str(),
                  std::string(gguf::tensor_type_name(t.type)).c_str(), shape(t).c_str(),
                  static_cast<unsigned long long>(t.n_bytes));
    }
  }
  std::printf("\nsummary: %s\n", summary(f).c_str());
}

nlohmann::ordered_json value_json(const Value& v, const InspectOptions& o) {
  switch (v.type) {
    case ValueType::UINT8: return std::get<uint8_t>(v.data);
    case ValueType::INT8: return std::get<int8_t>(v.data);
    case ValueType::UINT16: return std::get<uint16_t>(v.data);
    case ValueType::INT16: return std::get<int16_t>(v.data);
    case ValueType::UINT32: return std::get<uint32_t>(v.data);
    case ValueType::INT32: return std::get<int32_t>(v.data);
    case ValueType::UINT64: return std::get<uint64_t>(v.data);
    case ValueType::INT64: return std::get<int64_t>(v.data);
    case ValueType::FLOAT32: {
      float x = std::get<float>(v.data);
      return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json(fmt::format("{}", x));
    }
    case ValueType::FLOAT64: {
      double x = std::get<double>(v.data);
      return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json(fmt::format("{}", x));
    }
    case ValueType::BOOL: return std::get<bool>(v.data);
    case ValueType::STRING: {
      const auto& s = std::get<std::string>(v.data);
      return s.size() <= o.max_string ? s : s.substr(0, o.max_string);  // invalid UTF-8 replaced at dump
    }
    case ValueType::ARRAY: {
      const auto& a = std::get<Array>(v.data);
      nlohmann::ordered_json items = nlohmann::ordered_json::array();
      for (size_t i = 0; i < a.items.size() && i < o.max_items; ++i) items.push_back(value_json(a.items[i], o));
      return {{"elem_type", gguf::value_type_name(a.elem_type)}, {"length", a.items.size()}, {"items", items}};
    }
  }
  return nullptr;
}

void print_json(const File& f, const InspectOptions& o) {
  nlohmann::ordered_json j;
  j["file"] = o.path;
  j["version"] = f.version();
  j["file_size"] = f.file_size();
  j["alignment"] = f.alignment();
  j["data_offset"] = f.data_offset();
  if (!o.no_metadata) {
    nlohmann::ordered_json md = nlohmann::ordered_json::array();
    for (const auto& kv : f.metadata()) {
      md.push_back({{"key", kv.key}, {"type", gguf::value_type_name(kv.value.type)}, {"value", value_json(kv.value, o)}});
    }
    j["metadata"] = md;
  }
  if (!o.no_tensors) {
    nlohmann::ordered_json ts = nlohmann::ordered_json::array();
    for (const auto& t : f.tensors()) {
      ts.push_back({{"name", t.name},
                    {"type", gguf::tensor_type_name(t.type)},
                    {"ne", std::vector<uint64_t>(t.ne, t.ne + t.n_dims)},
                    {"offset", t.offset},
                    {"n_elements", t.n_elements},
                    {"bytes", t.n_bytes}});
    }
    j["tensors"] = ts;
  }
  auto arch = f.get_string("general.architecture");
  j["architecture"] = arch.ok() ? nlohmann::ordered_json(*arch) : nlohmann::ordered_json(nullptr);
  j["n_params"] = param_count(f);
  nlohmann::ordered_json mix = nlohmann::ordered_json::object();
  for (const auto& [name, count] : quant_mix(f)) mix[name] = count;
  j["tensor_types"] = mix;
  j["summary"] = summary(f);
  std::printf("%s\n", j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
}

int run_inspect(const InspectOptions& o) {
  auto f = File::open(o.path);
  if (!f.ok()) {
    std::fprintf(stderr, "ledge inspect: error: %s\n", f.message().c_str());
    return 1;
  }
  if (o.json) {
    print_json(*f, o);
  } else {
    print_text(*f, o);
  }
  return 0;
}

}  // namespace

void add_inspect_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<InspectOptions>();
  auto* sub = app.add_subcommand("inspect", "Show a GGUF file's metadata, tensors and a summary");
  sub->add_option("model", opts->path, "GGUF file")->required();
  sub->add_flag("--no-metadata", opts->no_metadata, "Do not list metadata keys");
  sub->add_flag("--no-tensors", opts->no_tensors, "Do not list tensors");
  sub->add_flag("--json", opts->json, "Print JSON instead of text");
  sub->add_option("--max-items", opts->max_items, "Array items shown per metadata value")
      ->capture_default_str();
  sub->add_option("--max-string", opts->max_string, "Bytes shown per metadata string")->capture_default_str();
  sub->callback([opts, &exit_code] { exit_code = run_inspect(*opts); });
}

}  // namespace ledge::cli
