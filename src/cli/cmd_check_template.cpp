// `ledge check-template FIXTURE.json...`: renders every case of chat-template
// fixtures (template path relative to the JSON's folder) and compares with the
// recorded Jinja2 output. Cases with "expected" must match byte for byte;
// cases with "error" must fail to render. Prints PASS/FAIL per case, a short
// diff for failures, and a final "N passed, N failed" line; exits 1 on any
// failure.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "template/template.h"

namespace ledge::cli {
namespace {

// Escapes control characters so a diff excerpt stays on one line.
std::string visible(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        else out += c;
    }
  }
  return out;
}

std::string first_difference(const std::string& expected, const std::string& got) {
  size_t i = 0;
  while (i < expected.size() && i < got.size() && expected[i] == got[i]) ++i;
  size_t from = i > 40 ? i - 40 : 0;
  return fmt::format("    first difference at byte {} (expected {} bytes, got {})\n    expected: \"{}\"\n    got:      \"{}\"",
                     i, expected.size(), got.size(), visible(expected.substr(from, 100)),
                     visible(got.substr(from, 100)));
}

bool read_text(const std::filesystem::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

void check_file(const std::string& path, int& passed, int& failed) {
  std::string text;
  nlohmann::ordered_json doc;
  if (!read_text(path, text)) {
    fmt::print("FAIL {}: cannot read file\n", path);
    ++failed;
    return;
  }
  doc = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("template") || !doc["template"].is_string() ||
      !doc.contains("cases") || !doc["cases"].is_array()) {
    fmt::print("FAIL {}: not a chat-template fixture (needs \"template\" and \"cases\")\n", path);
    ++failed;
    return;
  }
  const std::string stem = std::filesystem::path(path).stem().string();
  std::filesystem::path template_path = std::filesystem::path(path).parent_path() / doc["template"].get<std::string>();
  std::string source;
  if (!read_text(template_path, source)) {
    fmt::print("FAIL {}: cannot read template {}\n", stem, template_path.string());
    ++failed;
    return;
  }
  auto tmpl = tmpl::Template::parse(source);
  for (const auto& c : doc["cases"]) {
    std::string name = stem + "/" + c.value("name", std::string("?"));
    tmpl::ChatInputs in;
    in.messages = c.value("messages", nlohmann::ordered_json::array());
    if (c.contains("tools") && !c["tools"].is_null()) in.tools = c["tools"];
    in.add_generation_prompt = c.value("add_generation_prompt", false);
    in.bos_token = doc.value("bos_token", std::string("<s>"));
    in.eos_token = doc.value("eos_token", std::string("</s>"));
    in.now = doc.value("now", std::string("2026-01-15T09:30:00"));
    Result<std::string> out = Error{""};
    if (tmpl.ok()) {
      nlohmann::ordered_json ctx = {{"messages", in.messages},
                            {"tools", in.tools ? *in.tools : nlohmann::ordered_json(nullptr)},
                            {"add_generation_prompt", in.add_generation_prompt},
                            {"bos_token", in.bos_token},
                            {"eos_token", in.eos_token}};
      tmpl::RenderOptions opts;
      opts.now = in.now;
      out = tmpl->render(ctx, opts);
    } else {
      out = tmpl.status();
    }
    if (c.contains("error")) {
      if (out.ok()) {
        fmt::print("FAIL {}\n    expected an error ({}) but rendering succeeded\n", name, c["error"].dump());
        ++failed;
      } else {
        fmt::print("PASS {}\n", name);
        ++passed;
      }
      continue;
    }
    const std::string expected = c.value("expected", std::string());
    if (!out.ok()) {
      fmt::print("FAIL {}\n    render error: {}\n", name, out.message());
      ++failed;
    } else if (*out != expected) {
      fmt::print("FAIL {}\n{}\n", name, first_difference(expected, *out));
      ++failed;
    } else {
      fmt::print("PASS {}\n", name);
      ++passed;
    }
  }
}

}  // namespace

void add_check_template_command(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("check-template", "Render chat-template fixtures and compare with Jinja2's output");
  auto files = std::make_shared<std::vector<std::string>>();
  sub->add_option("files", *files, "fixture JSON files")->required();
  sub->callback([files, &exit_code] {
    int passed = 0, failed = 0;
    for (const auto& f : *files) check_file(f, passed, failed);
    fmt::print("{} passed, {} failed\n", passed, failed);
    exit_code = failed == 0 ? 0 : 1;
  });
}

}  // namespace ledge::cli
