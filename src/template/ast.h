// Syntax tree of a parsed template. Nodes are plain data; the interpreter
// walks them. Every node keeps the byte offset it started at for errors.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "template/value.h"

namespace ledge::tmpl {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class ExprKind {
  Literal,   // literal
  Name,      // name
  GetAttr,   // operands[0].name
  GetItem,   // operands[0][operands[1]]
  Slice,     // operands[0][operands[1]:operands[2]:operands[3]] (null = omitted)
  Call,      // operands[0](args)
  Filter,    // operands[0] | name(args); operands[0] is null inside {% filter %}
  Test,      // operands[0] is [not] name(args)
  Unary,     // name in {"-", "+", "not"}, operands[0]
  Binary,    // operands[0] name operands[1]; name is an arithmetic op, "~", "and", "or"
  Compare,   // operands[0] ops[0] operands[1] ops[1] operands[2] ... (chained)
  CondExpr,  // operands[0] if operands[1] else operands[2] (else may be null)
  List,      // [operands...]
  Tuple,     // (operands...)
  Dict,      // {operands[0]: operands[1], ...}
};

struct Expr {
  ExprKind kind;
  size_t offset = 0;
  Value literal;
  std::string name;
  std::vector<ExprPtr> operands;
  // Calls, filters and tests: arguments follow the receiver in `args`;
  // the last kwarg_names.size() of them are keyword arguments.
  std::vector<ExprPtr> args;
  std::vector<std::string> kwarg_names;
  std::vector<std::string> ops;  // Compare
  bool negated = false;          // Test
};

enum class StmtKind {
  Text,         // text
  Output,       // {{ expr }}
  If,           // conditions[i] -> bodies[i]; else_body
  For,          // for target in expr [if condition] -> body; else_body
  Set,          // set target = expr
  SetBlock,     // set name [| filters in expr] -> body
  Macro,        // macro name(params = defaults) -> body
  CallBlock,    // call(params) expr -> body (the caller)
  FilterBlock,  // filter expr (Filter chain with a null innermost receiver) -> body
  Break,
  Continue,
  Generation,   // {% generation %} body {% endgeneration %}: renders the body
  With,         // with params[i] = defaults[i] ... -> body, in a new scope
};

struct Stmt {
  StmtKind kind;
  size_t offset = 0;
  std::string text;
  ExprPtr expr;
  ExprPtr target;     // For/Set: Name, Tuple of targets, or GetAttr on a Name
  ExprPtr condition;  // For filter
  bool recursive = false;
  std::vector<ExprPtr> conditions;
  std::vector<Body> bodies;
  Body body;
  Body else_body;
  std::string name;
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults;  // parallel to params; null = required
};

}  // namespace ledge::tmpl
