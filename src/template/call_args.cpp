// Binding of call arguments to the Python-style signatures of builtins.
#include "template/builtins.h"
#include "template/error.h"

namespace ledge::tmpl {

BoundArgs::BoundArgs(const std::string& callee, CallArgs& args, std::initializer_list<const char*> params)
    : values_(params.size()), present_(params.size(), false) {
  if (args.positional.size() > params.size())
    fail(callee + "() takes at most " + std::to_string(params.size()) + " argument(s) (" +
         std::to_string(args.positional.size()) + " given)");
  for (size_t i = 0; i < args.positional.size(); ++i) {
    values_[i] = args.positional[i];
    present_[i] = true;
  }
  for (auto& [name, value] : args.keyword) {
    size_t i = 0;
    for (const char* p : params) {
      if (name == p) break;
      ++i;
    }
    if (i == params.size()) fail(callee + "() got an unexpected keyword argument '" + name + "'");
    if (present_[i]) fail(callee + "() got multiple values for argument '" + name + "'");
    values_[i] = value;
    present_[i] = true;
  }
}

std::optional<int64_t> to_integer(const Value& v) {
  if (v.is_int() || v.is_bool()) return v.as_int();
  if (v.is_float()) {
    double f = v.as_float();
    if (!(f > -9.2e18 && f < 9.2e18)) return std::nullopt;
    return static_cast<int64_t>(f);
  }
  return std::nullopt;
}

}  // namespace ledge::tmpl
