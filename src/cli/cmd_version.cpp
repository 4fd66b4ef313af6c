#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/commands.h"

#ifndef LEDGE_VERSION
#define LEDGE_VERSION "unknown"
#endif

namespace ledge::cli {

void add_version_command(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("version", "Print the ledge version");
  sub->callback([&exit_code] {
    std::printf("ledge %s\n", LEDGE_VERSION);
    exit_code = 0;
  });
}

}  // namespace ledge::cli
