// Downloads one file of a Hugging Face repository over HTTPS with libcurl:
// ENDPOINT/OWNER/REPO/resolve/REVISION/FILE, redirects followed, HF_TOKEN as
// a bearer token, resumable (.part file + Range request), SHA-256 checked
// (OpenSSL EVP) against --sha256 or the sha256 ETag Hugging Face sends for
// LFS files, then renamed into place: the final path never holds a partial
// or unverified file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "common/status.h"
#include "pull/model_store.h"

namespace ledge::pull {

struct PullOptions {
  std::string endpoint = "https://huggingface.co";
  std::string token;             // bearer token ("" = none)
  std::string sha256;            // expected digest, lower-case hex ("" = use the server's)
  std::filesystem::path models_dir;
  bool force = false;            // download again even if the file exists
  long connect_timeout_s = 30;
  long low_speed_bytes = 1024;   // abort a transfer slower than this ...
  long low_speed_time_s = 60;    // ... for this long (then resume on retry)
  int attempts = 3;              // transfer errors are retried (resuming) this many times in all
};

struct Progress {
  int64_t done = 0;    // bytes in the .part file so far
  int64_t total = -1;  // -1: unknown
  bool final = false;  // last call of a transfer
};
using ProgressFn = std::function<void(const Progress&)>;

struct PullResult {
  std::filesystem::path path;
  std::string sha256;     // of the file
  bool verified = false;  // compared with an expected digest
  bool already_present = false;
  int64_t bytes = 0;
  int64_t resumed_from = 0;  // bytes reused from an earlier .part
};

// URL the file is fetched from (path segments escaped).
std::string hf_url(const std::string& endpoint, const HfRef& ref);

Result<PullResult> pull_hf(const HfRef& ref, const PullOptions& opts, const ProgressFn& progress);

// Hex SHA-256 of a file (OpenSSL EVP).
Result<std::string> sha256_file(const std::filesystem::path& path);

}  // namespace ledge::pull
