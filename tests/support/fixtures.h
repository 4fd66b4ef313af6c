// Shared fixtures live beside the repository in ../shared/fixtures (made by the
// reference implementations, never copied here). LEDGE_FIXTURES overrides the
// location. The test main refuses to run if the folder is missing, so a test
// can never pass by silently skipping its data.
#pragma once

#include <filesystem>
#include <string>

namespace ledge::test {

// Absolute path of the fixtures root (validated by the test main).
const std::filesystem::path& fixtures_dir();

// fixtures_dir() / relative; the test fails loudly if the file is missing.
std::filesystem::path fixture(const std::string& relative);

// Reads a whole file into a string (binary-safe); fails the test if unreadable.
std::string read_file(const std::filesystem::path& p);

}  // namespace ledge::test
