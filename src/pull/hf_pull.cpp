#include "pull/hf_pull.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <vector>

namespace ledge::pull {

namespace fs = std::filesystem;

namespace {

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { reset(); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  bool ok() const { return ok_; }
  void reset() { ok_ = ctx_ && EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1; }
  void update(const void* p, size_t n) { ok_ = ok_ && EVP_DigestUpdate(ctx_, p, n) == 1; }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    ok_ = ok_ && EVP_DigestFinal_ex(ctx_, md, &len) == 1;
    static const char* kHex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
      out += kHex[md[i] >> 4];
      out += kHex[md[i] & 15];
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
  bool ok_ = false;
};

// Feeds a file's bytes to `sha`; returns its size.
Result<int64_t> hash_into(const fs::path& path, Sha256& sha) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read " + path.string()};
  std::vector<char> buf(1 << 20);
  int64_t n = 0;
  while (in) {
    in.read(buf.data(), std::streamsize(buf.size()));
    const auto got = in.gcount();
    if (got <= 0) break;
    sha.update(buf.data(), size_t(got));
    n += got;
  }
  if (in.bad()) return Error{"error reading " + path.string()};
  return n;
}

bool is_sha256_hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ETag values: W/"abc" or "abc" -> abc.
std::string etag_value(std::string v) {
  if (v.starts_with("W/")) v = v.substr(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return v;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t a = 0;
  while (a < s.size() && (s[a] == ' ' || s[a] == '\t')) ++a;
  return s.substr(a);
}

struct Transfer {
  FILE* out = nullptr;
  Sha256* sha = nullptr;
  int64_t offset = 0;   // bytes of the .part before this transfer (0 after a restart)
  int64_t written = 0;  // bytes written by this transfer
  long status = 0;      // of the response being received (each redirect hop resets it)
  std::string linked_etag, etag, content_range;
  int64_t linked_size = -1;
  std::string error_body;
  std::string failure;  // set when the write callback aborts the transfer
  const ProgressFn* progress = nullptr;

  size_t on_header(const char* data, size_t n) {
    const std::string line = trim(std::string(data, n));
    if (line.starts_with("HTTP/")) {
      const auto sp = line.find(' ');
      status = sp == std::string::npos ? 0 : std::strtol(line.c_str() + sp + 1, nullptr, 10);
      etag.clear();
      content_range.clear();
      return n;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) return n;
    const std::string name = lower(line.substr(0, colon));
    const std::string value = trim(line.substr(colon + 1));
    // Hugging Face puts the LFS file's sha256 in X-Linked-Etag on the hop that
    // redirects to its CDN; the CDN's own ETag is something else.
    if (name == "x-linked-etag") linked_etag = etag_value(value);
    else if (name == "x-linked-size") linked_size = std::strtoll(value.c_str(), nullptr, 10);
    else if (name == "etag") etag = etag_value(value);
    else if (name == "content-range") content_range = value;
    return n;
  }

  size_t on_body(const char* data, size_t n) {
    if (status >= 300) {  // an error page: keep its start for the message, never write it to the file
      if (error_body.size() < 300) error_body.append(data, std::min(n, 300 - error_body.size()));
      return n;
    }
    if (written == 0) {
      if (status == 206) {
        // "bytes START-END/TOTAL" must start where the .part ends.
        long long start = -1;
        if (std::sscanf(content_range.c_str(), "bytes %lld-", &start) != 1 || start != offset) {
          failure = "the server resumed at the wrong offset (Content-Range '" + content_range + "', have " +
                    std::to_string(offset) + " bytes)";
          return 0;
        }
      } else if (offset > 0) {
        // 200 to a Range request: the server sends the whole file; start over.
        if (std::fflush(out) != 0 || ftruncate(fileno(out), 0) != 0) {
          failure = std::string("cannot truncate the partial file: ") + std::strerror(errno);
          return 0;
        }
        offset = 0;
        sha->reset();
      }
    }
    if (std::fwrite(data, 1, n, out) != n) {
      failure = std::string("cannot write the partial file: ") + std::strerror(errno);
      return 0;
    }
    sha->update(data, n);
    written += int64_t(n);
    return n;
  }
};

size_t header_cb(char* data, size_t size, size_t nitems, void* user) {
  return static_cast<Transfer*>(user)->on_header(data, size * nitems);
}
size_t write_cb(char* data, size_t size, size_t nmemb, void* user) {
  return static_cast<Transfer*>(user)->on_body(data, size * nmemb);
}
int xferinfo_cb(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->progress && *t->progress && t->status >= 200 && t->status < 300) {
    Progress p;
    p.done = t->offset + t->written;
    p.total = dltotal > 0 ? t->offset + int64_t(dltotal) : -1;
    if (t->status == 200 && dltotal > 0) p.total = int64_t(dltotal);
    (*t->progress)(p);
  }
  (void)dlnow;
  return 0;
}

std::string http_hint(long status) {
  if (status == 401 || status == 403) return " (gated or private repository? set HF_TOKEN to an access token)";
  if (status == 404) return " (check the owner, repository, revision and file name)";
  return "";
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool is_gguf(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && std::memcmp(magic, "GGUF", 4) == 0;
}

}  // namespace

std::string hf_url(const std::string& endpoint, const HfRef& ref) {
  global_init();
  auto esc = [](const std::string& s) {
    std::string out;
    size_t a = 0;
    for (;;) {  // escape each path segment, keep the slashes
      const size_t b = s.find('/', a);
      const std::string seg = s.substr(a, b == std::string::npos ? std::string::npos : b - a);
      char* e = curl_easy_escape(nullptr, seg.c_str(), int(seg.size()));
      out += e ? e : seg;
      curl_free(e);
      if (b == std::string::npos) return out;
      out += '/';
      a = b + 1;
    }
  };
  std::string base = endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/" + esc(ref.owner) + "/" + esc(ref.repo) + "/resolve/" + esc(ref.revision) + "/" + esc(ref.file);
}

Result<std::string> sha256_file(const fs::path& path) {
  Sha256 sha;
  auto n = hash_into(path, sha);
  if (!n.ok()) return n.status();
  std::string hex = sha.hex();
  if (!sha.ok()) return Error{"SHA-256 (OpenSSL) failed"};
  return hex;
}

Result<PullResult> pull_hf(const HfRef& ref, const PullOptions& opts, const ProgressFn& progress) {
  global_init();
  const std::string url = hf_url(opts.endpoint, ref);
  const std::string want_sha = lower(opts.sha256);
  if (!want_sha.empty() && !is_sha256_hex(want_sha)) return Error{"--sha256 must be 64 hex digits, got '" + opts.sha256 + "'"};
  PullResult res;
  res.path = opts.models_dir / fs::path(ref.name());
  const fs::path part = res.path.string() + ".part";
  std::error_code ec;
  if (!opts.force && fs::is_regular_file(res.path, ec)) {
    res.already_present = true;
    res.bytes = int64_t(fs::file_size(res.path, ec));
    if (!want_sha.empty()) {
      auto have = sha256_file(res.path);
      if (!have.ok()) return have.status();
      if (*have != want_sha)
        return Error{res.path.string() + " exists but its SHA-256 is " + *have + ", not " + want_sha +
                     "; use --force to download it again"};
      res.sha256 = *have;
      res.verified = true;
    }
    return res;
  }
  fs::create_directories(res.path.parent_path(), ec);
  if (ec) return Error{"cannot create " + res.path.parent_path().string() + ": " + ec.message()};

  // The .part is locked for the whole pull: two pulls of one file must not
  // append to the same partial file.
  std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(part.c_str(), "ab"), &std::fclose);
  if (!out) return Error{"cannot open " + part.string() + ": " + std::strerror(errno)};
  if (flock(fileno(out.get()), LOCK_EX | LOCK_NB) != 0)
    return Error{"another process is downloading " + part.string()};

  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return Error{"libcurl initialisation failed"};
  curl_slist* headers = nullptr;
  if (!opts.token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + opts.token).c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, &curl_slist_free_all);

  Sha256 sha;
  Transfer t;
  std::string last_error;
  long last_status = 0;
  bool restarted_after_416 = false;
  for (int attempt = 1; attempt <= std::max(1, opts.attempts); ++attempt) {
    sha.reset();
    auto have = hash_into(part, sha);  // what earlier attempts or runs left
    if (!have.ok()) return have.status();
    if (attempt == 1) res.resumed_from = *have;
    t = Transfer{};
    t.out = out.get();
    t.sha = &sha;
    t.offset = *have;
    t.progress = &progress;

    CURL* c = curl.get();
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    // Never let a redirect downgrade an HTTPS download to plain HTTP.
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, url.starts_with("https:") ? "https" : "http,https");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "ledge/0.1 (+pull)");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, opts.connect_timeout_s);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, opts.low_speed_bytes);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, opts.low_speed_time_s);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_list.get());
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    // A plain Range header (not CURLOPT_RESUME_FROM): a server that ignores
    // it answers 200 and the download restarts instead of failing.
    const std::string range = std::to_string(t.offset) + "-";
    if (t.offset > 0) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);

    const CURLcode rc = curl_easy_perform(c);
    std::fflush(out.get());
    last_status = t.status;
    if (progress) progress(Progress{t.offset + t.written, -1, true});
    if (!t.failure.empty()) return Error{url + ": " + t.failure};
    if (rc == CURLE_OK && t.status == 416 && t.offset > 0 && !restarted_after_416) {
      // The .part is not a prefix the server can continue (e.g. another revision): start over once.
      if (ftruncate(fileno(out.get()), 0) != 0) return Error{"cannot truncate " + part.string()};
      restarted_after_416 = true;
      --attempt;
      continue;
    }
    if (rc == CURLE_OK && t.status >= 400) {
      std::string msg = "HTTP " + std::to_string(t.status) + " from " + url + http_hint(t.status);
      std::string body = trim(t.error_body);
      for (auto& ch : body)
        if (ch == '\n' || ch == '\r') ch = ' ';
      if (!body.empty()) msg += ": " + body;
      return Error{msg};
    }
    if (rc == CURLE_OK && (t.status == 200 || t.status == 206)) {
      last_error.clear();
      break;
    }
    if (rc == CURLE_OK) return Error{"unexpected HTTP " + std::to_string(t.status) + " from " + url};
    last_error = std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : "");
    // Transport errors (timeouts, resets, short bodies) are retried; the .part keeps what arrived.
    if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT || rc == CURLE_TOO_MANY_REDIRECTS ||
        rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_COULDNT_RESOLVE_HOST)
      break;
  }
  if (!last_error.empty()) return Error{"downloading " + url + " failed: " + last_error + " (" + part.string() +
                                        " is kept; run the same command to resume)"};
  (void)last_status;

  if (::fsync(fileno(out.get())) != 0) return Error{"cannot sync " + part.string() + ": " + std::strerror(errno)};
  res.sha256 = sha.hex();
  if (!sha.ok()) return Error{"SHA-256 (OpenSSL) failed"};
  res.bytes = t.offset + t.written;
  std::string expected = want_sha;
  std::string source = "--sha256";
  if (expected.empty() && is_sha256_hex(t.linked_etag)) expected = lower(t.linked_etag), source = "the X-Linked-Etag header";
  if (expected.empty() && is_sha256_hex(t.etag)) expected = lower(t.etag), source = "the ETag header";
  auto discard = [&] {
    out.reset();
    fs::remove(part, ec);
  };
  if (!expected.empty()) {
    if (res.sha256 != expected) {
      discard();
      return Error{"SHA-256 mismatch for " + url + ": expected " + expected + " (" + source + "), got " + res.sha256 +
                   "; the download was discarded"};
    }
    res.verified = true;
  }
  if (t.linked_size >= 0 && t.linked_size != res.bytes) {
    discard();
    return Error{"size mismatch for " + url + ": expected " + std::to_string(t.linked_size) + " bytes, got " +
                 std::to_string(res.bytes) + "; the download was discarded"};
  }
  if (!is_gguf(part)) {
    discard();
    return Error{url + " is not a GGUF file (no GGUF magic); the download was discarded"};
  }
  out.reset();  // closes and unlocks
  fs::rename(part, res.path, ec);
  if (ec) return Error{"cannot move " + part.string() + " to " + res.path.string() + ": " + ec.message()};
  return res;
}

}  // namespace ledge::pull
