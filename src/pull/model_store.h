// Where pulled models live and how `ledge serve --model NAME` finds them.
// Layout: MODELS_DIR/OWNER/REPO/FILE.gguf (FILE may hold sub-folders), where
// MODELS_DIR is --models-dir, else $LEDGE_MODELS, else ~/.cache/ledge/models.
// No network code here.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ledge::pull {

// hf://OWNER/REPO/FILE.gguf or hf://OWNER/REPO@REVISION/FILE.gguf.
struct HfRef {
  std::string owner, repo, revision = "main", file;
  std::string name() const { return owner + "/" + repo + "/" + file; }  // also its path under the models dir
};

Result<HfRef> parse_hf_uri(std::string_view uri);

// `flag` when not empty, else $LEDGE_MODELS, else $HOME/.cache/ledge/models.
Result<std::filesystem::path> models_dir(const std::string& flag);

// A --model argument to a file: an existing path as is; else, under `dir`,
// NAME (OWNER/REPO/FILE), NAME.gguf, or the one .gguf file whose stem is
// NAME (several: an error listing them).
Result<std::filesystem::path> resolve_model(const std::string& name, const std::filesystem::path& dir);

}  // namespace ledge::pull
