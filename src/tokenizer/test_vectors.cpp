#include "tokenizer/test_vectors.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace ledge::tokenizer {

namespace {

constexpr std::string_view kSeparator = "\n__ggml_vocab_test__\n";

Result<std::string> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open " + path};
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error{"error reading " + path};
  return ss.str();
}

}  // namespace

Result<std::vector<TestVector>> parse_test_vectors(std::string_view inp, std::string_view out) {
  // Every input is terminated by the separator, so the text after the last
  // one is empty (a missing final separator still yields the last case).
  std::vector<std::string> inputs;
  size_t pos = 0;
  while (pos < inp.size()) {
    const size_t sep = inp.find(kSeparator, pos);
    if (sep == std::string_view::npos) {
      inputs.emplace_back(inp.substr(pos));
      break;
    }
    inputs.emplace_back(inp.substr(pos, sep - pos));
    pos = sep + kSeparator.size();
  }

  std::vector<std::string_view> lines;
  pos = 0;
  while (pos < out.size()) {
    const size_t nl = out.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? out.size() : nl;
    lines.push_back(out.substr(pos, end - pos));
    pos = end + 1;
  }
  if (lines.size() != inputs.size()) {
    return Error{"test vectors: " + std::to_string(inputs.size()) + " inputs but " + std::to_string(lines.size()) +
                 " expected-output lines"};
  }

  std::vector<TestVector> cases(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    cases[i].input = std::move(inputs[i]);
    std::string_view line = lines[i];
    size_t p = 0;
    while (p < line.size()) {
      if (line[p] == ' ' || line[p] == '\r') {
        ++p;
        continue;
      }
      int32_t id = 0;
      const auto [next, ec] = std::from_chars(line.data() + p, line.data() + line.size(), id);
      if (ec != std::errc() || id < 0) {
        return Error{"test vectors: output line " + std::to_string(i + 1) + ": bad token id at column " +
                     std::to_string(p + 1)};
      }
      cases[i].expected.push_back(id);
      p = static_cast<size_t>(next - line.data());
    }
  }
  return cases;
}

Result<std::vector<TestVector>> read_test_vectors(const std::string& inp_path, const std::string& out_path) {
  auto inp = slurp(inp_path);
  if (!inp.ok()) return Error{inp.message()};
  auto out = slurp(out_path);
  if (!out.ok()) return Error{out.message()};
  auto cases = parse_test_vectors(*inp, *out);
  if (!cases.ok()) return Error{inp_path + ": " + cases.message()};
  return cases;
}

}  // namespace ledge::tokenizer
