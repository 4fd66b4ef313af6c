#include "support/fixtures.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ledge::test {

namespace {
std::filesystem::path resolve() {
  if (const char* env = std::getenv("LEDGE_FIXTURES"); env != nullptr && *env != '\0') return env;
  return std::filesystem::path(LEDGE_SOURCE_DIR) / ".." / "shared" / "fixtures";
}
}  // namespace

const std::filesystem::path& fixtures_dir() {
  static const std::filesystem::path dir = [] {
    std::error_code ec;
    auto p = std::filesystem::canonical(resolve(), ec);
    if (ec || !std::filesystem::is_directory(p)) {
      std::fprintf(stderr,
                   "FATAL: test fixtures not found at '%s'. Put the shared fixtures beside the "
                   "repository (../shared/fixtures) or set LEDGE_FIXTURES.\n",
                   resolve().string().c_str());
      std::exit(2);
    }
    return p;
  }();
  return dir;
}

std::filesystem::path fixture(const std::string& relative) {
  auto p = fixtures_dir() / relative;
  if (!std::filesystem::exists(p)) ADD_FAILURE() << "missing fixture: " << p;
  return p;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << p;
    return {};
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace ledge::test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  (void)ledge::test::fixtures_dir();  // exits with a clear message when absent
  return RUN_ALL_TESTS();
}
