// Python semantics of the arithmetic operators on template values.
#pragma once

#include <string>

#include "template/value.h"

namespace ledge::tmpl {

class Interpreter;

// op is one of + - * / // % **. Throws TemplateError with Python's message
// for unsupported operand types, division by zero or integer overflow.
Value arithmetic(const std::string& op, const Value& a, const Value& b, Interpreter& interp);

}  // namespace ledge::tmpl
