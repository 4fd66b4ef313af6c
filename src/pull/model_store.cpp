#include "pull/model_store.h"

#include <cstdlib>
#include <vector>

namespace ledge::pull {

namespace fs = std::filesystem;

namespace {

bool valid_segment(std::string_view s) {
  if (s.empty() || s == "." || s == ".." || s.size() > 255) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f || c == '\\' || c == '?' || c == '#' || c == '%' || c == ':') return false;
  return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t a = 0;
  for (;;) {
    const size_t b = s.find(sep, a);
    out.push_back(s.substr(a, b == std::string_view::npos ? std::string_view::npos : b - a));
    if (b == std::string_view::npos) return out;
    a = b + 1;
  }
}

}  // namespace

Result<HfRef> parse_hf_uri(std::string_view uri) {
  const std::string shown(uri);
  constexpr std::string_view kScheme = "hf://";
  if (!uri.starts_with(kScheme))
    return Error{"'" + shown + "' is not a Hugging Face reference: expected hf://OWNER/REPO[@REVISION]/FILE.gguf"};
  auto parts = split(uri.substr(kScheme.size()), '/');
  if (parts.size() < 3)
    return Error{"'" + shown + "': expected hf://OWNER/REPO[@REVISION]/FILE.gguf"};
  HfRef r;
  r.owner = std::string(parts[0]);
  std::string_view repo = parts[1];
  if (auto at = repo.find('@'); at != std::string_view::npos) {
    r.revision = std::string(repo.substr(at + 1));
    repo = repo.substr(0, at);
    if (r.revision.empty()) return Error{"'" + shown + "': empty revision after '@'"};
  }
  r.repo = std::string(repo);
  for (size_t i = 2; i < parts.size(); ++i) {
    if (!valid_segment(parts[i])) {
      std::string msg = "'" + shown + "': invalid file path segment '";
      msg.append(parts[i]);
      msg += "'";
      return Error{msg};
    }
    if (i > 2) r.file += '/';
    r.file.append(parts[i]);
  }
  if (!valid_segment(r.owner) || !valid_segment(r.repo) || r.owner.find('@') != std::string::npos)
    return Error{"'" + shown + "': invalid owner or repository name"};
  for (char c : r.revision)
    if (static_cast<unsigned char>(c) <= 0x20 || c == '?' || c == '#' || c == '%' || c == '\\')
      return Error{"'" + shown + "': invalid revision '" + r.revision + "'"};
  if (r.revision.find("..") != std::string::npos) return Error{"'" + shown + "': invalid revision '" + r.revision + "'"};
  if (!r.file.ends_with(".gguf")) return Error{"'" + shown + "': only .gguf files can be pulled"};
  return r;
}

Result<fs::path> models_dir(const std::string& flag) {
  if (!flag.empty()) return fs::path(flag);
  if (const char* e = std::getenv("LEDGE_MODELS"); e && *e) return fs::path(e);
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "ledge" / "models";
  return Error{"no models directory: pass --models-dir or set LEDGE_MODELS (HOME is not set either)"};
}

Result<fs::path> resolve_model(const std::string& name, const fs::path& dir) {
  std::error_code ec;
  if (fs::is_regular_file(name, ec)) return fs::path(name);
  if (name.empty() || name[0] == '/' || name.starts_with("./") || name.starts_with("../"))
    return Error{"no such model file: '" + name + "'"};
  const bool plain = name.find("..") == std::string::npos;
  if (plain) {
    for (const fs::path& p : {dir / name, dir / (name + ".gguf")})
      if (fs::is_regular_file(p, ec)) return p;
    std::vector<fs::path> found;
    if (fs::is_directory(dir, ec)) {
      for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const auto& p = it->path();
        if (p.extension() == ".gguf" && p.stem() == name && it->is_regular_file(ec)) found.push_back(p);
      }
    }
    if (found.size() == 1) return found[0];
    if (found.size() > 1) {
      std::string list;
      for (const auto& p : found) list += "\n  " + fs::relative(p, dir, ec).string();
      return Error{"model name '" + name + "' is ambiguous in " + dir.string() + "; use OWNER/REPO/FILE:" + list};
    }
  }
  return Error{"model '" + name + "' is neither a file nor a pulled model in " + dir.string() +
               " (ledge pull hf://OWNER/REPO/FILE.gguf)"};
}

}  // namespace ledge::pull
