// Every case of every chat-template fixture (../shared/fixtures/chat-templates)
// rendered with ledge_template must equal Python Jinja2's output byte for
// byte, or fail where Jinja2 raised. The fixture list is read from the folder
// at run time, so new fixtures are covered without touching this file.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/fixtures.h"
#include "template/template.h"

namespace {

std::vector<std::string> fixture_files() {
  std::vector<std::string> names;
  auto dir = ledge::test::fixtures_dir() / "chat-templates";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.path().extension() == ".json") names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class ChatTemplateFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(ChatTemplateFixture, EveryCaseMatchesJinja2) {
  auto json_path = ledge::test::fixture("chat-templates/" + GetParam());
  auto doc = nlohmann::ordered_json::parse(ledge::test::read_file(json_path));
  ASSERT_TRUE(doc.contains("cases"));
  std::string source = ledge::test::read_file(json_path.parent_path() / doc["template"].get<std::string>());
  ASSERT_FALSE(source.empty());
  auto tmpl = ledge::tmpl::Template::parse(source);
  ASSERT_TRUE(tmpl.ok()) << tmpl.message();
  ASSERT_FALSE(doc["cases"].empty());
  for (const auto& c : doc["cases"]) {
    SCOPED_TRACE(c.value("name", std::string("?")));
    nlohmann::ordered_json ctx = {
        {"messages", c["messages"]},
        {"tools", c.contains("tools") ? c["tools"] : nlohmann::ordered_json(nullptr)},
        {"add_generation_prompt", c.value("add_generation_prompt", false)},
        {"bos_token", doc.value("bos_token", std::string("<s>"))},
        {"eos_token", doc.value("eos_token", std::string("</s>"))},
    };
    ledge::tmpl::RenderOptions opts;
    opts.now = doc.value("now", std::string("2026-01-15T09:30:00"));
    auto out = tmpl->render(ctx, opts);
    if (c.contains("error")) {
      EXPECT_FALSE(out.ok()) << "Jinja2 raised " << c["error"] << " but we rendered:\n" << *out;
    } else {
      ASSERT_TRUE(out.ok()) << out.message();
      EXPECT_EQ(*out, c["expected"].get<std::string>());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(ChatTemplates, ChatTemplateFixture, ::testing::ValuesIn(fixture_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param.substr(0, info.param.size() - 5);
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST(ChatTemplateFixtures, FolderIsNotEmpty) { EXPECT_GE(fixture_files().size(), 1u); }

}  // namespace
