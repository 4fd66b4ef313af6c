#include "template/parser.h"

#include <initializer_list>

#include "template/builtins.h"
#include "template/error.h"

namespace ledge::tmpl {

namespace {

ExprPtr make_expr(ExprKind kind, size_t offset) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->offset = offset;
  return e;
}

class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : toks_(tokens) {}

  Body parse_all() {
    Body body = parse_body({});
    if (cur().type != TokenType::End) fail("unexpected tag", cur().offset);
    return body;
  }

 private:
  // ---- token helpers -------------------------------------------------------
  const Token& cur() const { return toks_[pos_]; }
  const Token& peek(size_t n = 1) const { return toks_[std::min(pos_ + n, toks_.size() - 1)]; }
  void advance() {
    if (pos_ + 1 < toks_.size()) ++pos_;
  }
  bool is_op(const char* op) const { return cur().type == TokenType::Operator && cur().value == op; }
  bool is_name(const char* n) const { return cur().type == TokenType::Name && cur().value == n; }
  bool accept_op(const char* op) {
    if (!is_op(op)) return false;
    advance();
    return true;
  }
  bool accept_name(const char* n) {
    if (!is_name(n)) return false;
    advance();
    return true;
  }
  void expect_op(const char* op) {
    if (!accept_op(op)) fail(std::string("expected '") + op + "' but found " + describe(cur()), cur().offset);
  }
  std::string expect_name() {
    if (cur().type != TokenType::Name) fail("expected a name but found " + describe(cur()), cur().offset);
    std::string n = cur().value;
    advance();
    return n;
  }
  void expect_block_end() {
    if (cur().type != TokenType::BlockEnd) fail("expected end of block tag '%}' but found " + describe(cur()), cur().offset);
    advance();
  }
  static std::string describe(const Token& t) {
    switch (t.type) {
      case TokenType::Text: return "template text";
      case TokenType::VarBegin: return "'{{'";
      case TokenType::VarEnd: return "'}}'";
      case TokenType::BlockBegin: return "'{%'";
      case TokenType::BlockEnd: return "'%}'";
      case TokenType::Name: return "'" + t.value + "'";
      case TokenType::String: return "string literal";
      case TokenType::Int: case TokenType::Float: return "number";
      case TokenType::Operator: return "'" + t.value + "'";
      case TokenType::End: return "end of template";
    }
    return "token";
  }

  struct DepthGuard {
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxParseDepth) fail("template nested too deeply", p_.cur().offset);
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  // ---- statements ----------------------------------------------------------
  // Parses until a block tag whose keyword is in `end_keywords` (left
  // unconsumed, positioned at the keyword) or end of input.
  Body parse_body(std::initializer_list<const char*> end_keywords) {
    DepthGuard guard(*this);
    Body body;
    while (true) {
      const Token& t = cur();
      if (t.type == TokenType::End) {
        if (end_keywords.size() != 0) {
          std::string expected;
          for (const char* k : end_keywords) expected += std::string(expected.empty() ? "" : " or ") + "'{% " + k + " %}'";
          fail("unexpected end of template, expected " + expected, t.offset);
        }
        return body;
      }
      if (t.type == TokenType::Text) {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::Text;
        s->offset = t.offset;
        s->text = t.value;
        body.push_back(std::move(s));
        advance();
        continue;
      }
      if (t.type == TokenType::VarBegin) {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::Output;
        s->offset = t.offset;
        advance();
        s->expr = parse_tuple(true);
        if (cur().type != TokenType::VarEnd) fail("expected '}}' but found " + describe(cur()), cur().offset);
        advance();
        body.push_back(std::move(s));
        continue;
      }
      if (t.type != TokenType::BlockBegin) fail("unexpected " + describe(t), t.offset);
      const Token& kw = peek();
      if (kw.type != TokenType::Name) fail("expected a statement keyword after '{%'", kw.offset);
      for (const char* end : end_keywords) {
        if (kw.value == end) {
          advance();  // now at the keyword
          return body;
        }
      }
      advance();
      body.push_back(parse_statement());
    }
  }

  StmtPtr new_stmt(StmtKind kind, size_t offset) {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->offset = offset;
    return s;
  }

  StmtPtr parse_statement() {
    const Token& kw = cur();
    size_t off = kw.offset;
    std::string k = kw.value;
    advance();
    if (k == "if") return parse_if(off);
    if (k == "for") return parse_for(off);
    if (k == "set") return parse_set(off);
    if (k == "macro") return parse_macro(off);
    if (k == "call") return parse_call_block(off);
    if (k == "filter") return parse_filter_block(off);
    if (k == "break" || k == "continue") {
      if (loop_depth_ == 0) fail("'" + k + "' outside of a loop", off);
      expect_block_end();
      return new_stmt(k == "break" ? StmtKind::Break : StmtKind::Continue, off);
    }
    if (k == "with") {
      auto s = new_stmt(StmtKind::With, off);
      while (cur().type != TokenType::BlockEnd) {
        if (!s->params.empty()) expect_op(",");
        s->params.push_back(expect_name());
        expect_op("=");
        s->defaults.push_back(parse_expression(true));
      }
      expect_block_end();
      s->body = parse_body({"endwith"});
      advance();
      expect_block_end();
      return s;
    }
    if (k == "generation") {
      expect_block_end();
      auto s = new_stmt(StmtKind::Generation, off);
      s->body = parse_body({"endgeneration"});
      advance();
      expect_block_end();
      return s;
    }
    fail("unknown statement '" + k + "'", off);
  }

  StmtPtr parse_if(size_t off) {
    auto s = new_stmt(StmtKind::If, off);
    s->conditions.push_back(parse_tuple(false));
    expect_block_end();
    while (true) {
      s->bodies.push_back(parse_body({"elif", "else", "endif"}));
      std::string k = cur().value;
      advance();
      if (k == "elif") {
        s->conditions.push_back(parse_tuple(false));
        expect_block_end();
        continue;
      }
      if (k == "else") {
        expect_block_end();
        s->else_body = parse_body({"endif"});
        advance();
      }
      expect_block_end();
      return s;
    }
  }

  ExprPtr parse_assign_target(bool allow_attribute) {
    size_t off = cur().offset;
    auto parse_one = [&]() -> ExprPtr {
      if (accept_op("(")) {
        ExprPtr inner = parse_assign_target(false);
        expect_op(")");
        return inner;
      }
      size_t o = cur().offset;
      auto n = make_expr(ExprKind::Name, o);
      n->name = expect_name();
      if (allow_attribute && is_op(".")) {
        advance();
        auto a = make_expr(ExprKind::GetAttr, o);
        a->name = expect_name();
        a->operands.push_back(std::move(n));
        return a;
      }
      return n;
    };
    ExprPtr first = parse_one();
    if (!is_op(",")) return first;
    auto tup = make_expr(ExprKind::Tuple, off);
    tup->operands.push_back(std::move(first));
    while (accept_op(",")) {
      if (cur().type != TokenType::Name && !is_op("(")) break;
      tup->operands.push_back(parse_one());
    }
    return tup;
  }

  StmtPtr parse_for(size_t off) {
    auto s = new_stmt(StmtKind::For, off);
    s->target = parse_assign_target(false);
    if (!accept_name("in")) fail("expected 'in' in for loop but found " + describe(cur()), cur().offset);
    s->expr = parse_tuple(false, /*with_condexpr=*/false);
    if (accept_name("if")) s->condition = parse_expression(true);
    if (accept_name("recursive")) s->recursive = true;
    expect_block_end();
    ++loop_depth_;
    s->body = parse_body({"endfor", "else"});
    --loop_depth_;
    if (cur().value == "else") {
      advance();
      expect_block_end();
      s->else_body = parse_body({"endfor"});
    }
    advance();
    expect_block_end();
    return s;
  }

  StmtPtr parse_set(size_t off) {
    ExprPtr target = parse_assign_target(true);
    if (accept_op("=")) {
      auto s = new_stmt(StmtKind::Set, off);
      s->target = std::move(target);
      s->expr = parse_tuple(true);
      expect_block_end();
      return s;
    }
    if (target->kind != ExprKind::Name) fail("block assignment needs a plain variable name", off);
    auto s = new_stmt(StmtKind::SetBlock, off);
    s->name = target->name;
    if (is_op("|")) s->expr = parse_filter_chain(nullptr);
    expect_block_end();
    s->body = parse_body({"endset"});
    advance();
    expect_block_end();
    return s;
  }

  void parse_signature(Stmt& s) {
    expect_op("(");
    bool first = true;
    while (!accept_op(")")) {
      if (!first) expect_op(",");
      first = false;
      if (accept_op(")")) break;
      s.params.push_back(expect_name());
      if (accept_op("=")) s.defaults.push_back(parse_expression(true));
      else s.defaults.push_back(nullptr);
    }
  }

  StmtPtr parse_macro(size_t off) {
    auto s = new_stmt(StmtKind::Macro, off);
    s->name = expect_name();
    parse_signature(*s);
    expect_block_end();
    int saved_loops = loop_depth_;
    loop_depth_ = 0;
    s->body = parse_body({"endmacro"});
    loop_depth_ = saved_loops;
    advance();
    if (cur().type == TokenType::Name) advance();  // optional repeated name
    expect_block_end();
    return s;
  }

  StmtPtr parse_call_block(size_t off) {
    auto s = new_stmt(StmtKind::CallBlock, off);
    if (is_op("(")) parse_signature(*s);
    s->expr = parse_expression(true);
    if (s->expr->kind != ExprKind::Call) fail("expected a call after '{% call'", off);
    expect_block_end();
    s->body = parse_body({"endcall"});
    advance();
    expect_block_end();
    return s;
  }

  StmtPtr parse_filter_block(size_t off) {
    auto s = new_stmt(StmtKind::FilterBlock, off);
    s->expr = parse_filter_chain(nullptr, /*leading_pipe=*/false);
    expect_block_end();
    s->body = parse_body({"endfilter"});
    advance();
    expect_block_end();
    return s;
  }

  // ---- expressions ---------------------------------------------------------
  // A comma-separated list becomes a tuple, as in Jinja2's parse_tuple.
  ExprPtr parse_tuple(bool allow_empty_parens_context, bool with_condexpr = true) {
    size_t off = cur().offset;
    ExprPtr first = parse_expression(with_condexpr);
    if (!is_op(",")) return first;
    auto tup = make_expr(ExprKind::Tuple, off);
    tup->operands.push_back(std::move(first));
    while (accept_op(",")) {
      if (cur().type == TokenType::BlockEnd || cur().type == TokenType::VarEnd || is_op(")") || is_op("]")) break;
      tup->operands.push_back(parse_expression(with_condexpr));
    }
    (void)allow_empty_parens_context;
    return tup;
  }

  ExprPtr parse_expression(bool with_condexpr) {
    DepthGuard guard(*this);
    size_t off = cur().offset;
    ExprPtr e = parse_or();
    if (!with_condexpr) return e;
    while (is_name("if")) {
      advance();
      auto c = make_expr(ExprKind::CondExpr, off);
      c->operands.push_back(std::move(e));
      c->operands.push_back(parse_or());
      if (accept_name("else")) c->operands.push_back(parse_expression(true));
      else c->operands.push_back(nullptr);
      e = std::move(c);
    }
    return e;
  }

  ExprPtr binary(const std::string& op, ExprPtr l, ExprPtr r, size_t off) {
    auto b = make_expr(ExprKind::Binary, off);
    b->name = op;
    b->operands.push_back(std::move(l));
    b->operands.push_back(std::move(r));
    return b;
  }

  ExprPtr parse_or() {
    size_t off = cur().offset;
    ExprPtr l = parse_and();
    while (accept_name("or")) l = binary("or", std::move(l), parse_and(), off);
    return l;
  }

  ExprPtr parse_and() {
    size_t off = cur().offset;
    ExprPtr l = parse_not();
    while (accept_name("and")) l = binary("and", std::move(l), parse_not(), off);
    return l;
  }

  ExprPtr parse_not() {
    DepthGuard guard(*this);
    if (is_name("not")) {
      size_t off = cur().offset;
      advance();
      auto u = make_expr(ExprKind::Unary, off);
      u->name = "not";
      u->operands.push_back(parse_not());
      return u;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    size_t off = cur().offset;
    ExprPtr first = parse_math1();
    ExprPtr cmp;
    while (true) {
      std::string op;
      if (cur().type == TokenType::Operator &&
          (cur().value == "==" || cur().value == "!=" || cur().value == "<" || cur().value == ">" ||
           cur().value == "<=" || cur().value == ">=")) {
        op = cur().value;
        advance();
      } else if (is_name("in")) {
        op = "in";
        advance();
      } else if (is_name("not") && peek().type == TokenType::Name && peek().value == "in") {
        op = "notin";
        advance();
        advance();
      } else {
        break;
      }
      if (!cmp) {
        cmp = make_expr(ExprKind::Compare, off);
        cmp->operands.push_back(std::move(first));
      }
      cmp->ops.push_back(op);
      cmp->operands.push_back(parse_math1());
    }
    return cmp ? std::move(cmp) : std::move(first);
  }

  ExprPtr parse_math1() {
    size_t off = cur().offset;
    ExprPtr l = parse_concat();
    while (is_op("+") || is_op("-")) {
      std::string op = cur().value;
      advance();
      l = binary(op, std::move(l), parse_concat(), off);
    }
    return l;
  }

  ExprPtr parse_concat() {
    size_t off = cur().offset;
    ExprPtr l = parse_math2();
    while (accept_op("~")) l = binary("~", std::move(l), parse_math2(), off);
    return l;
  }

  ExprPtr parse_math2() {
    size_t off = cur().offset;
    ExprPtr l = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      std::string op = cur().value;
      advance();
      l = binary(op, std::move(l), parse_pow(), off);
    }
    return l;
  }

  ExprPtr parse_pow() {
    size_t off = cur().offset;
    ExprPtr l = parse_unary(true);
    while (accept_op("**")) l = binary("**", std::move(l), parse_unary(true), off);
    return l;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    size_t off = cur().offset;
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
      std::string op = cur().value;
      advance();
      node = make_expr(ExprKind::Unary, off);
      node->name = op;
      node->operands.push_back(parse_unary(false));
    } else {
      node = parse_primary();
      node = parse_postfix(std::move(node));
    }
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    const Token& t = cur();
    size_t off = t.offset;
    switch (t.type) {
      case TokenType::Name: {
        const std::string& n = t.value;
        auto lit = make_expr(ExprKind::Literal, off);
        if (n == "true" || n == "True") { lit->literal = Value(true); advance(); return lit; }
        if (n == "false" || n == "False") { lit->literal = Value(false); advance(); return lit; }
        if (n == "none" || n == "None") { lit->literal = Value::none(); advance(); return lit; }
        auto name = make_expr(ExprKind::Name, off);
        name->name = n;
        advance();
        return name;
      }
      case TokenType::String: {
        std::string s = t.value;
        advance();
        while (cur().type == TokenType::String) {  // adjacent literals concatenate
          s += cur().value;
          advance();
        }
        auto lit = make_expr(ExprKind::Literal, off);
        lit->literal = Value(std::move(s));
        return lit;
      }
      case TokenType::Int: {
        auto lit = make_expr(ExprKind::Literal, off);
        lit->literal = Value(t.int_value);
        advance();
        return lit;
      }
      case TokenType::Float: {
        auto lit = make_expr(ExprKind::Literal, off);
        lit->literal = Value(t.float_value);
        advance();
        return lit;
      }
      case TokenType::Operator:
        if (t.value == "(") {
          advance();
          if (accept_op(")")) return make_expr(ExprKind::Tuple, off);
          ExprPtr first = parse_expression(true);
          if (accept_op(")")) return first;
          auto tup = make_expr(ExprKind::Tuple, off);
          tup->operands.push_back(std::move(first));
          while (accept_op(",")) {
            if (is_op(")")) break;
            tup->operands.push_back(parse_expression(true));
          }
          expect_op(")");
          return tup;
        }
        if (t.value == "[") {
          advance();
          auto list = make_expr(ExprKind::List, off);
          while (!accept_op("]")) {
            if (!list->operands.empty()) {
              expect_op(",");
              if (accept_op("]")) break;
            }
            list->operands.push_back(parse_expression(true));
          }
          return list;
        }
        if (t.value == "{") {
          advance();
          auto dict = make_expr(ExprKind::Dict, off);
          while (!accept_op("}")) {
            if (!dict->operands.empty()) {
              expect_op(",");
              if (accept_op("}")) break;
            }
            dict->operands.push_back(parse_expression(true));
            expect_op(":");
            dict->operands.push_back(parse_expression(true));
          }
          return dict;
        }
        break;
      default:
        break;
    }
    fail("unexpected " + describe(t) + " in expression", off);
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      size_t off = cur().offset;
      if (is_op(".")) {
        advance();
        auto g = make_expr(ExprKind::GetAttr, off);
        if (cur().type == TokenType::Name) {
          g->name = cur().value;
          advance();
        } else if (cur().type == TokenType::Int) {
          // `x.0` is item access with an integer, as in Jinja2.
          g->kind = ExprKind::GetItem;
          auto idx = make_expr(ExprKind::Literal, cur().offset);
          idx->literal = Value(cur().int_value);
          advance();
          g->operands.push_back(std::move(node));
          g->operands.push_back(std::move(idx));
          node = std::move(g);
          continue;
        } else {
          fail("expected an attribute name after '.'", cur().offset);
        }
        g->operands.push_back(std::move(node));
        node = std::move(g);
      } else if (is_op("[")) {
        advance();
        node = parse_subscript(std::move(node), off);
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr obj, size_t off) {
    ExprPtr parts[3];
    bool is_slice = false;
    int idx = 0;
    if (!is_op(":")) parts[0] = parse_expression(true);
    while (is_op(":") && idx < 2) {
      advance();
      is_slice = true;
      ++idx;
      if (!is_op(":") && !is_op("]")) parts[idx] = parse_expression(true);
    }
    if (!is_slice && is_op(",")) {
      auto tup = make_expr(ExprKind::Tuple, off);
      tup->operands.push_back(std::move(parts[0]));
      while (accept_op(",")) {
        if (is_op("]")) break;
        tup->operands.push_back(parse_expression(true));
      }
      parts[0] = std::move(tup);
    }
    expect_op("]");
    auto e = make_expr(is_slice ? ExprKind::Slice : ExprKind::GetItem, off);
    e->operands.push_back(std::move(obj));
    if (is_slice) {
      for (auto& p : parts) e->operands.push_back(std::move(p));
    } else {
      e->operands.push_back(std::move(parts[0]));
    }
    return e;
  }

  void parse_call_args(Expr& e) {
    expect_op("(");
    std::vector<ExprPtr> positional;
    std::vector<ExprPtr> keyword;
    while (!accept_op(")")) {
      if (!positional.empty() || !keyword.empty()) {
        expect_op(",");
        if (accept_op(")")) break;
      }
      if (cur().type == TokenType::Name && peek().type == TokenType::Operator && peek().value == "=") {
        e.kwarg_names.push_back(cur().value);
        advance();
        advance();
        keyword.push_back(parse_expression(true));
      } else {
        if (!keyword.empty()) fail("positional argument after keyword argument", cur().offset);
        positional.push_back(parse_expression(true));
      }
    }
    for (auto& p : positional) e.args.push_back(std::move(p));
    for (auto& k : keyword) e.args.push_back(std::move(k));
  }

  ExprPtr parse_call(ExprPtr callee) {
    auto c = make_expr(ExprKind::Call, cur().offset);
    c->operands.push_back(std::move(callee));
    parse_call_args(*c);
    return c;
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (is_op("|")) {
        node = parse_filter_chain(std::move(node));
      } else if (is_name("is")) {
        node = parse_test(std::move(node));
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  // One or more `| name(args)`; with leading_pipe=false the first filter has
  // no pipe (the `{% filter name %}` form).
  ExprPtr parse_filter_chain(ExprPtr node, bool leading_pipe = true) {
    bool first = true;
    while (true) {
      if (leading_pipe || !first) {
        if (!accept_op("|")) return node;
      }
      first = false;
      size_t off = cur().offset;
      auto f = make_expr(ExprKind::Filter, off);
      f->name = expect_name();
      while (is_op(".")) {  // dotted filter names
        advance();
        f->name += "." + expect_name();
      }
      f->operands.push_back(std::move(node));
      if (is_op("(")) parse_call_args(*f);
      node = std::move(f);
      if (leading_pipe) return node;  // parse_filter_expr loops for the next one
    }
  }

  ExprPtr parse_test(ExprPtr node) {
    size_t off = cur().offset;
    advance();  // 'is'
    auto t = make_expr(ExprKind::Test, off);
    if (accept_name("not")) t->negated = true;
    t->name = expect_name();
    while (is_op(".")) {
      advance();
      t->name += "." + expect_name();
    }
    t->operands.push_back(std::move(node));
    if (is_op("(")) {
      parse_call_args(*t);
    } else if ((cur().type == TokenType::Name || cur().type == TokenType::String || cur().type == TokenType::Int ||
                cur().type == TokenType::Float || is_op("[") || is_op("{")) &&
               !(cur().type == TokenType::Name &&
                 (cur().value == "else" || cur().value == "or" || cur().value == "and" || cur().value == "if" ||
                  cur().value == "in" || cur().value == "not" || cur().value == "is"))) {
      // `x is divisibleby 3`: one argument without parentheses.
      ExprPtr arg = parse_primary();
      t->args.push_back(parse_postfix(std::move(arg)));
    }
    return t;
  }

  const std::vector<Token>& toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

// Jinja2 rejects unknown filters and tests when compiling, except inside an
// `if` statement or an inline if-expression, where the error waits until the
// filter is actually applied. Loop, macro and block bodies start a fresh
// (strict) scope again, as Jinja2's inner frames do.
class NameChecker {
 public:
  void body(const Body& b, bool soft) {
    for (const auto& s : b) stmt(*s, soft);
  }

 private:
  void stmt(const Stmt& s, bool soft) {
    switch (s.kind) {
      case StmtKind::Output: expr(s.expr.get(), soft); break;
      case StmtKind::If:
        for (const auto& c : s.conditions) expr(c.get(), true);
        for (const auto& b : s.bodies) body(b, true);
        body(s.else_body, true);
        break;
      case StmtKind::For:
        expr(s.expr.get(), soft);
        expr(s.condition.get(), false);
        body(s.body, false);
        body(s.else_body, false);
        break;
      case StmtKind::Set: expr(s.expr.get(), soft); break;
      case StmtKind::SetBlock: case StmtKind::FilterBlock:
        expr(s.expr.get(), false);
        body(s.body, false);
        break;
      case StmtKind::Macro:
        for (const auto& d : s.defaults) expr(d.get(), false);
        body(s.body, false);
        break;
      case StmtKind::CallBlock:
        expr(s.expr.get(), soft);
        for (const auto& d : s.defaults) expr(d.get(), false);
        body(s.body, false);
        break;
      case StmtKind::Generation: body(s.body, false); break;
      case StmtKind::With:
        for (const auto& d : s.defaults) expr(d.get(), soft);
        body(s.body, false);
        break;
      default: break;
    }
  }

  void expr(const Expr* e, bool soft) {
    if (!e) return;
    if (e->kind == ExprKind::CondExpr) soft = true;
    if (!soft && e->kind == ExprKind::Filter && !has_filter(e->name)) fail("No filter named '" + e->name + "'.", e->offset);
    if (!soft && e->kind == ExprKind::Test && !has_test(e->name)) fail("No test named '" + e->name + "'.", e->offset);
    for (const auto& o : e->operands) expr(o.get(), soft);
    for (const auto& a : e->args) expr(a.get(), soft);
  }
};

}  // namespace

Body parse_tokens(const std::vector<Token>& tokens) {
  Body body = Parser(tokens).parse_all();
  NameChecker().body(body, false);
  return body;
}

}  // namespace ledge::tmpl
