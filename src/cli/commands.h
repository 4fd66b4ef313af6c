// Each `ledge` subcommand registers itself on the root CLI11 app. The callback
// stores the command's exit status in `exit_code`; commands report errors on
// stderr and never throw past main.
#pragma once

namespace CLI {
class App;
}

namespace ledge::cli {

void add_version_command(CLI::App& app, int& exit_code);
void add_tokenize_command(CLI::App& app, int& exit_code);
void add_check_tokenizer_command(CLI::App& app, int& exit_code);
void add_inspect_command(CLI::App& app, int& exit_code);
void add_check_golden_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_perplexity_command(CLI::App& app, int& exit_code);
void add_check_template_command(CLI::App& app, int& exit_code);
void add_synth_command(CLI::App& app, int& exit_code);
void add_quantize_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);
void add_pull_command(CLI::App& app, int& exit_code);

}  // namespace ledge::cli
