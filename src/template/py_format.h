// Python's text forms of scalars: float.__repr__ (also what json.dumps and
// str() print) and str.__repr__ (how strings appear inside printed containers).
#pragma once

#include <string>
#include <string_view>

namespace ledge::tmpl {

// Shortest round-trip repr like Python: 1.0, 0.1, 1e-05, 1e+16, inf, nan.
std::string py_float_repr(double d);
// 'text' with Python's quote choice and escapes.
std::string py_str_repr(std::string_view s);

}  // namespace ledge::tmpl
