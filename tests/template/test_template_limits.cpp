// Hostile templates fail cleanly with an error instead of exhausting the
// stack, memory or time.
#include <gtest/gtest.h>

#include "render_helper.h"

namespace ledge::tmpl {
namespace {

using testing::render_error;
using testing::render_ok;

TEST(TemplateLimits, DeeplyNestedExpressionsAreRejected) {
  std::string src = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  EXPECT_NE(render_error(src).find("nested too deeply"), std::string::npos);
  std::string blocks;
  for (int i = 0; i < 2000; ++i) blocks += "{% if true %}";
  EXPECT_NE(render_error(blocks).find("nested too deeply"), std::string::npos);
  // Moderate nesting is fine.
  EXPECT_EQ(render_ok("{{ " + std::string(50, '(') + "1" + std::string(50, ')') + " }}"), "1");
}

TEST(TemplateLimits, HugeRangeIsRejected) {
  EXPECT_NE(render_error("{% for i in range(1000000000000) %}{% endfor %}").find("range()"), std::string::npos);
}

TEST(TemplateLimits, InfiniteMacroRecursionIsStopped) {
  std::string e = render_error("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}");
  EXPECT_NE(e.find("maximum call depth"), std::string::npos) << e;
}

TEST(TemplateLimits, StepBudgetStopsLongLoops) {
  RenderOptions opts;
  opts.limits.max_steps = 10'000;
  std::string e = render_error("{% for i in range(100000) %}{{ i }}{% endfor %}", nlohmann::ordered_json::object(), opts);
  EXPECT_NE(e.find("step budget"), std::string::npos) << e;
}

TEST(TemplateLimits, OutputSizeIsBounded) {
  RenderOptions opts;
  opts.limits.max_output_bytes = 1 << 16;
  EXPECT_NE(render_error("{{ 'x' * 100000000 }}", nlohmann::ordered_json::object(), opts).find("exceeds the limit"),
            std::string::npos);
  EXPECT_NE(render_error("{% for i in range(100000) %}xxxxxxxxxx{% endfor %}", nlohmann::ordered_json::object(), opts)
                .find("exceeds the limit"),
            std::string::npos);
}

TEST(TemplateLimits, GarbageNeverCrashes) {
  const char* inputs[] = {"{{", "{%", "{#", "{{ }}", "{% %}", "{% for %}", "{{ a[ }}", "{{ a. }}", "{% set %}",
                          "{% endfor %}", "{{ 'x' }", "{% macro %}", "}}", "{% if %}{% endif %}", "{{ 1e999 }}",
                          "{{ 99999999999999999999 }}", "{% raw %}", "{{ ((((((( }}"};
  for (const char* src : inputs) {
    auto t = Template::parse(src);
    if (!t.ok()) {
      EXPECT_FALSE(t.message().empty()) << src;
      continue;
    }
    auto out = t->render(nlohmann::ordered_json::object());
    if (!out.ok()) {
      EXPECT_FALSE(out.message().empty()) << src;
    }
  }
}

}  // namespace
}  // namespace ledge::tmpl

namespace ledge::tmpl {
namespace {

using testing::render_error;
using testing::render_ok;

TEST(TemplateLimits, ValueNestingIsBounded) {
  std::string e = render_error(
      "{% set ns = namespace(x=[]) %}{% for i in range(5000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}");
  EXPECT_NE(e.find("nested too deeply"), std::string::npos) << e;
  nlohmann::ordered_json deep = nlohmann::ordered_json::array();
  for (int i = 0; i < 2000; ++i) deep = nlohmann::ordered_json::array({deep});
  e = render_error("{{ x }}", {{"x", deep}});
  EXPECT_NE(e.find("nested too deeply"), std::string::npos) << e;
}

TEST(TemplateLimits, NamespaceCannotContainItself) {
  std::string e = render_error("{% set ns = namespace(a=1) %}{% set ns.self = [ns] %}{{ ns }}");
  EXPECT_NE(e.find("inside itself"), std::string::npos) << e;
  EXPECT_EQ(render_ok("{% set a = namespace(v=1) %}{% set b = namespace(o=a) %}{{ b.o.v }}"), "1");
}

}  // namespace
}  // namespace ledge::tmpl

namespace ledge::tmpl {
namespace {

TEST(TemplateLimits, CopyingBigStringsCountsAgainstTheBudget) {
  // 100k copies of a 1 MB string would take minutes; charged by size, the
  // budget runs out after about a thousand.
  std::string e = testing::render_error(
      "{% set ns = namespace(s='x' * 1000000) %}{% for i in range(100000) %}{% set ns.t = ns.s ~ 'y' %}{% endfor %}");
  EXPECT_NE(e.find("step budget"), std::string::npos) << e;
}

TEST(TemplateLimits, WallClockBudgetIsEnforced) {
  RenderOptions opts;
  opts.limits.max_wall_ms = 0;
  std::string e = testing::render_error("{% for i in range(100000) %}{% endfor %}", nlohmann::ordered_json::object(), opts);
  EXPECT_NE(e.find("time limit"), std::string::npos) << e;
}

}  // namespace
}  // namespace ledge::tmpl
