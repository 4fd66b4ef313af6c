// Value printing and conversions: Python reprs, float formatting, tojson as
// json.dumps(ensure_ascii=False), str methods and filters.
#include <gtest/gtest.h>

#include "render_helper.h"
#include "template/py_format.h"

namespace ledge::tmpl {
namespace {

using testing::render_error;
using testing::render_ok;
using json = nlohmann::ordered_json;

TEST(TemplateValues, PythonReprOfContainersAndScalars) {
  EXPECT_EQ(render_ok("{{ [1, 'a', none, true, 1.5, {'k': 'v'}] }}{{ ('a',) }}{{ () }}"),
            "[1, 'a', None, True, 1.5, {'k': 'v'}]('a',)()");
  EXPECT_EQ(render_ok("{{ [\"it's\", 'a\"b', 'x\\ny', 'back\\\\slash'] }}"),
            "[\"it's\", 'a\"b', 'x\\ny', 'back\\\\slash']");
  EXPECT_EQ(render_ok("{{ undefined_var }}|{{ none }}|{{ false }}"), "|None|False");
}

TEST(TemplateValues, FloatsPrintLikePythonRepr) {
  EXPECT_EQ(py_float_repr(1.0), "1.0");
  EXPECT_EQ(py_float_repr(0.1), "0.1");
  EXPECT_EQ(py_float_repr(1e-05), "1e-05");
  EXPECT_EQ(py_float_repr(0.0001), "0.0001");
  EXPECT_EQ(py_float_repr(1e16), "1e+16");
  EXPECT_EQ(py_float_repr(123456789012345.6), "123456789012345.6");
  EXPECT_EQ(py_float_repr(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(py_float_repr(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(render_ok("{{ 10 / 2 }} {{ 1e20 }} {{ 3.0|int }} {{ '2.5'|float }}"), "5.0 1e+20 3 2.5");
}

TEST(TemplateValues, TojsonMatchesPythonJsonDumps) {
  json ctx = {{"v", {{"b", 1}, {"a", {true, nullptr, 1.5, "é\"\n\u0001"}}}}};
  EXPECT_EQ(render_ok("{{ v|tojson }}", ctx), R"({"b": 1, "a": [true, null, 1.5, "é\"\n\u0001"]})");
  EXPECT_EQ(render_ok("{{ v|tojson(indent=2) }}", ctx),
            "{\n  \"b\": 1,\n  \"a\": [\n    true,\n    null,\n    1.5,\n    \"é\\\"\\n\\u0001\"\n  ]\n}");
  EXPECT_EQ(render_ok("{{ v|tojson(sort_keys=true) }}", ctx), R"({"a": [true, null, 1.5, "é\"\n\u0001"], "b": 1})");
  EXPECT_EQ(render_ok("{{ 'é😀'|tojson(ensure_ascii=true) }}"), R"("\u00e9\ud83d\ude00")");
  EXPECT_EQ(render_ok("{{ {}|tojson(indent=2) }}{{ []|tojson }}{{ 1.0|tojson }}"), "{}[]1.0");
  EXPECT_NE(render_error("{{ missing|tojson }}").find("not JSON serializable"), std::string::npos);
}

TEST(TemplateValues, DictsKeepInsertionOrder) {
  json ctx = json::parse(R"({"d": {"z": 1, "a": 2, "m": 3}})");
  EXPECT_EQ(render_ok("{% for k in d %}{{ k }}{% endfor %}{{ d|list }}", ctx), "zam['z', 'a', 'm']");
  EXPECT_EQ(render_ok("{{ d|dictsort }}", ctx), "[('a', 2), ('m', 3), ('z', 1)]");
}

TEST(TemplateValues, StringMethods) {
  EXPECT_EQ(render_ok("{{ '  x  '.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ '  a'.lstrip() }}|{{ 'a  '.rstrip() }}|"),
            "x|hi|a|a|");
  EXPECT_EQ(render_ok("{{ 'a,b,,c'.split(',') }}{{ ' a  b '.split() }}{{ 'a b c'.split(' ', 1) }}"),
            "['a', 'b', '', 'c']['a', 'b']['a', 'b c']");
  EXPECT_EQ(render_ok("{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}{{ 'aXa'.replace('a', 'b') }}"),
            "TrueTruebXb");
  EXPECT_EQ(render_ok("{{ 'hello world'.title() }}{{ 'hELLO'.capitalize() }}{{ 'abcb'.find('b') }}{{ 'abcb'.count('b') }}"),
            "Hello WorldHello12");
  EXPECT_EQ(render_ok("{{ '-'.join(['a', 'b']) }}{{ '{} and {name}'.format(1, name='n') }}{{ 'a\\nb'.splitlines() }}"),
            "a-b1 and n['a', 'b']");
}

TEST(TemplateValues, CommonFilters) {
  EXPECT_EQ(render_ok("{{ '  x '|trim }}|{{ 'ab'|upper }}|{{ 'hello world-foo'|title }}|{{ [1,2]|length }}|"
                      "{{ ['a','b']|join(', ') }}|{{ x|default('d') }}|{{ ''|default('e', true) }}"),
            "x|AB|Hello World-Foo|2|a, b|d|e");
  EXPECT_EQ(render_ok("{{ [3,1,2]|sort }}{{ [3,1,2]|max }}{{ [1,2,3]|sum }}{{ [1,1,2]|unique|list }}{{ [1,2]|reverse|list }}"),
            "[1, 2, 3]36[1, 2][2, 1]");
  json ctx = json::parse(R"({"ms": [{"role": "a", "n": 1}, {"role": "b", "n": 2}, {"role": "a", "n": 3}]})");
  EXPECT_EQ(render_ok("{{ ms|selectattr('role', 'equalto', 'a')|map(attribute='n')|list }}", ctx), "[1, 3]");
  EXPECT_EQ(render_ok("{{ ms|rejectattr('role', 'eq', 'a')|list|length }}{{ ms|map(attribute='role')|join }}", ctx),
            "1aba");
  EXPECT_EQ(render_ok("{{ [1,2,3,4]|select('odd')|list }}{{ ['A','b']|map('lower')|list }}"), "[1, 3]['a', 'b']");
  EXPECT_EQ(render_ok("{{ 'a\\n\\nb'|indent(2) }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(2, blank=true) }}"),
            "a\n\n  b|  a\n  b|a\n  \n  b");
  EXPECT_EQ(render_ok("{{ '<a href=\"x\">'|e }}{{ 2.5|round }}{{ 3.456|round(2) }}{{ -3|abs }}{{ 'x'|int }}{{ '12'|int }}"),
            "&lt;a href=&#34;x&#34;&gt;2.03.463012");
  EXPECT_EQ(render_ok("{{ 'one two three'|wordcount }}{{ [1,2,3]|first }}{{ [1,2,3]|last }}{{ 'ab'|center(6) }}."),
            "313  ab  .");
}

TEST(TemplateValues, GroupbyYieldsNamedPairsSortedByKey) {
  json ctx = json::parse(R"({"ms": [{"role": "user"}, {"role": "assistant"}, {"role": "user"}]})");
  EXPECT_EQ(render_ok("{% for g in ms|groupby('role') %}{{ g.grouper }}={{ g.list|length }};{% endfor %}", ctx),
            "assistant=1;user=2;");
  EXPECT_EQ(render_ok("{% for role, items in ms|groupby('role') %}{{ role }}{% endfor %}", ctx), "assistantuser");
  EXPECT_EQ(render_ok("{{ ms|groupby('role')|map(attribute='grouper')|list }}", ctx), "['assistant', 'user']");
}

TEST(TemplateValues, StrftimeNowUsesTheConfiguredTime) {
  RenderOptions opts;
  opts.now = "2026-01-15T09:30:00";
  EXPECT_EQ(render_ok("{{ strftime_now('%Y-%m-%d %H:%M:%S %A %a %B %b %d %j %p %I %y') }}", json::object(), opts),
            "2026-01-15 09:30:00 Thursday Thu January Jan 15 015 AM 09 26");
}

}  // namespace
}  // namespace ledge::tmpl
