// Lexer/parser/evaluator behaviour on small templates; expectations are what
// Python Jinja2 3.1 renders with trim_blocks=True, lstrip_blocks=True.
#include <gtest/gtest.h>

#include "render_helper.h"

namespace ledge::tmpl {
namespace {

using testing::render_error;
using testing::render_ok;
using json = nlohmann::ordered_json;

TEST(TemplateWhitespace, DashStripsAroundTags) {
  EXPECT_EQ(render_ok("a  \n  {{- 'x' -}}  \n  b"), "axb");
  EXPECT_EQ(render_ok("a \n {%- if true -%} \n x \n {%- endif -%} \n b"), "axb");
  EXPECT_EQ(render_ok("a {#- comment -#} b"), "ab");
}

TEST(TemplateWhitespace, TrimBlocksEatsOneNewlineAfterBlockTags) {
  EXPECT_EQ(render_ok("{% if true %}\nx\n{% endif %}\ny"), "x\ny");
  EXPECT_EQ(render_ok("{% if true %}\n\nx{% endif %}"), "\nx");
  // Not after expressions.
  EXPECT_EQ(render_ok("{{ 'a' }}\nb"), "a\nb");
  EXPECT_EQ(render_ok("{# c #}\nb"), "b");
}

TEST(TemplateWhitespace, LstripBlocksStripsIndentBeforeBlockTagsOnly) {
  EXPECT_EQ(render_ok("  {% if true %}\n  x\n  {% endif %}\n"), "  x\n");
  EXPECT_EQ(render_ok("  {{ 'v' }}"), "  v");               // not before {{
  EXPECT_EQ(render_ok("a  {% if true %}b{% endif %}"), "a  b");  // only at line start
  EXPECT_EQ(render_ok("  {%+ if true %}x{% endif %}"), "  x");  // + disables it
  EXPECT_EQ(render_ok("x\n\t {# note #}\ny"), "x\ny");
}

TEST(TemplateWhitespace, SourceNewlinesAreNormalizedAndOneTrailingNewlineDropped) {
  EXPECT_EQ(render_ok("a\r\nb\n"), "a\nb");
  EXPECT_EQ(render_ok("a\n\n"), "a\n");
}

TEST(TemplateSyntax, RawBlocksAreLiteral) {
  EXPECT_EQ(render_ok("{% raw %}{{ x }}{% if %}{% endraw %}"), "{{ x }}{% if %}");
}

TEST(TemplateSyntax, ForLoopVariables) {
  EXPECT_EQ(render_ok("{% for x in ['a','b','c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}"
                      "{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}"),
            "1032TrueFalse3|2121FalseFalse3|3210FalseTrue3|");
  EXPECT_EQ(render_ok("{% for x in [1,2,3] %}{{ loop.previtem }}-{{ loop.nextitem }}{{ loop.cycle('o','e') }},{% endfor %}"),
            "-2o,1-3e,2-o,");
}

TEST(TemplateSyntax, ForElseFilterUnpackingAndLoopControls) {
  EXPECT_EQ(render_ok("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render_ok("{% for x in [1,2,3,4] if x is even %}{{ x }}{{ loop.length }}{% endfor %}"), "2242");
  EXPECT_EQ(render_ok("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}"), "a=1;b=2;");
  EXPECT_EQ(render_ok("{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}"
                      "{% endif %}{{ x }}{% endfor %}"),
            "013");
}

TEST(TemplateSyntax, LoopScopeDoesNotLeakButNamespaceDoes) {
  EXPECT_EQ(render_ok("{% set x = 0 %}{% for i in range(3) %}[{{ x }}]{% set x = i %}{% endfor %}{{ x }}"),
            "[0][0][0]0");
  EXPECT_EQ(render_ok("{% set ns = namespace(n=0) %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}"),
            "6");
}

TEST(TemplateSyntax, SetBlockAndFilterBlock) {
  EXPECT_EQ(render_ok("{% set s %}  Hi {{ 1 + 1 }} {% endset %}[{{ s }}]"), "[  Hi 2 ]");
  EXPECT_EQ(render_ok("{% set s | upper %}ab{% endset %}{{ s }}"), "AB");
  EXPECT_EQ(render_ok("{% filter upper %}abc{% endfilter %}"), "ABC");
  EXPECT_EQ(render_ok("{% set a, b = [1, 2] %}{{ b }}{{ a }}"), "21");
}

TEST(TemplateSyntax, MacrosWithDefaultsKeywordsAndCaller) {
  EXPECT_EQ(render_ok("{% macro m(a, b='B', c=none) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(1) }}|{{ m(1, c=3) }}"),
            "1BNone|1B3");
  EXPECT_EQ(render_ok("{% macro w(t) %}<{{ t }}>{{ caller() }}</{{ t }}>{% endmacro %}{% call w('b') %}in{% endcall %}"),
            "<b>in</b>");
  EXPECT_EQ(render_ok("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}"), "321");
}

TEST(TemplateSyntax, WithBlocksLoopChangedAndJoiner) {
  EXPECT_EQ(render_ok("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]"), "3[]");
  EXPECT_EQ(render_ok("{% for x in [1,1,2,2,1] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}"), "121");
  EXPECT_EQ(render_ok("{% set j = joiner('|') %}{% for x in [1,2,3] %}{{ j() }}{{ x }}{% endfor %}"), "1|2|3");
}

TEST(TemplateExpressions, PercentFormatting) {
  EXPECT_EQ(render_ok("{{ '%s-%s' % ('a', 'b') }} {{ '%d%%' % 50 }} {{ '%05.1f' % 3.14159 }} {{ '%r' % 'x' }} {{ '%x' % 255 }}"),
            "a-b 50% 003.1 'x' ff");
  EXPECT_EQ(render_ok("{{ '%(k)s!' % {'k': 'v'} }} {{ '%s and %d'|format('a', 3) }}"), "v! a and 3");
  EXPECT_NE(render_error("{{ '%s %s' % ('a',) }}").find("not enough arguments"), std::string::npos);
}

TEST(TemplateSyntax, GenerationBlockRendersItsBody) {
  EXPECT_EQ(render_ok("a{% generation %}b{% endgeneration %}c"), "abc");
}

TEST(TemplateExpressions, OperatorsFollowPython) {
  EXPECT_EQ(render_ok("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 10 / 4 }} {{ 1 + 2 * 3 }}"),
            "3 -4 2 1024 2.5 7");
  EXPECT_EQ(render_ok("{{ 'a' ~ 1 ~ none }} {{ 'ab' * 2 }} {{ [1] + [2] }}"), "a1None abab [1, 2]");
  EXPECT_EQ(render_ok("{{ 1 < 2 < 3 }} {{ 'b' in 'abc' }} {{ 3 not in [1, 2] }} {{ not 0 }}"), "True True True True");
  EXPECT_EQ(render_ok("{{ 'y' if 0 else 'n' }} {{ 0 or 'x' }} {{ 1 and 2 }}"), "n x 2");
  EXPECT_EQ(render_ok("{{ 'héllo'[1] }}{{ 'abc'[::-1] }}{{ [1,2,3,4][1:3] }}{{ 'héllo'|length }}"), "écba[2, 3]5");
}

TEST(TemplateExpressions, TestsWithAndWithoutArguments) {
  EXPECT_EQ(render_ok("{{ x is defined }}{{ none is none }}{{ 3 is odd }}{{ 9 is divisibleby 3 }}{{ 'a' is string }}"
                      "{{ {} is mapping }}{{ true is number }}{{ true is integer }}{{ 2 is not sameas 3 }}"),
            "FalseTrueTrueTrueTrueTrueTrueFalseTrue");
}

TEST(TemplateExpressions, AttributeAndItemAccessFallBackToEachOther) {
  json ctx = {{"m", {{"role", "user"}, {"items", 5}}}};
  EXPECT_EQ(render_ok("{{ m.role }}{{ m['role'] }}{{ m.missing }}|{{ m['items'] }}", ctx), "useruser|5");
  EXPECT_EQ(render_ok("{{ m.missing is defined }}{{ m.get('role') }}{{ m.get('x', 'd') }}", ctx), "Falseuserd");
}

TEST(TemplateErrors, SyntaxErrorsNameTheProblemAndPosition) {
  std::string e = render_error("line one\n{% if x %}never closed");
  EXPECT_NE(e.find("line 2"), std::string::npos) << e;
  EXPECT_NE(e.find("endif"), std::string::npos) << e;
  e = render_error("{{ 1 + }}");
  EXPECT_NE(e.find("line 1, column 8"), std::string::npos) << e;
  EXPECT_NE(render_error("{% unknown %}").find("unknown statement 'unknown'"), std::string::npos);
  EXPECT_NE(render_error("{{ 'abc }}").find("unterminated string"), std::string::npos);
}

TEST(TemplateErrors, RuntimeErrorsLikeJinja2) {
  std::string e = render_error("ok\n  {{ raise_exception('bad role') }}");
  EXPECT_NE(e.find("bad role"), std::string::npos) << e;
  EXPECT_NE(e.find("line 2"), std::string::npos) << e;
  EXPECT_NE(render_error("{% for x in none %}{% endfor %}").find("'NoneType' object is not iterable"), std::string::npos);
  EXPECT_NE(render_error("{{ x.y }}").find("'x' is undefined"), std::string::npos);
  EXPECT_NE(render_error("{{ 'a' + 1 }}").find("can only concatenate str"), std::string::npos);
  EXPECT_NE(render_error("{{ x|nosuchfilter }}").find("No filter named 'nosuchfilter'"), std::string::npos);
  EXPECT_NE(render_error("{{ 1 // 0 }}").find("division"), std::string::npos);
}

TEST(TemplateErrors, UnknownFiltersFailAtParseTimeUnlessConditional) {
  auto strict = Template::parse("{% for i in [] %}{{ i|nosuch }}{% endfor %}");
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.message().find("No filter named 'nosuch'"), std::string::npos) << strict.message();
  EXPECT_EQ(render_ok("{% if false %}{{ x|nosuch }}{% endif %}{{ 1 if true else x|nosuch }}"), "1");
  EXPECT_FALSE(Template::parse("{{ x is nosuchtest }}").ok());
}

TEST(TemplateErrors, SandboxIsImmutable) {
  json ctx = {{"l", {1, 2}}, {"d", {{"a", 1}}}};
  EXPECT_NE(render_error("{% set _ = l.append(3) %}", ctx).find("unsafe"), std::string::npos);
  EXPECT_NE(render_error("{{ d.update({'b': 2}) }}", ctx).find("unsafe"), std::string::npos);
  EXPECT_NE(render_error("{{ d.pop('a') }}", ctx).find("unsafe"), std::string::npos);
  // Merely looking at the attribute is allowed (it is an undefined value).
  EXPECT_EQ(render_ok("{{ l.append is defined }}", ctx), "False");
}

}  // namespace
}  // namespace ledge::tmpl
