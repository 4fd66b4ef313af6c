// Bounded load test of the real `ledge serve` on 127.0.0.1: about 1,000
// idle connections held open while a few clients send steady completion
// traffic. Every answer must be a 200 or an intended 429 (queue full), every
// idle connection must still be served at the end, and the server's resident
// memory must stay bounded. Counts and bounds only, no timing assertions.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/fixtures.h"

extern char** environ;

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr int kIdle = 1000;
constexpr int kClients = 8;  // > 4 slots + 2 queued: some answers are intended 429s
#if defined(__SANITIZE_ADDRESS__)
constexpr int64_t kRssGrowthKiB = 1024 * 1024;  // ASan's quarantine keeps freed memory resident
#else
constexpr int64_t kRssGrowthKiB = 256 * 1024;
#endif
constexpr auto kTraffic = 12s;  // idle connections must stay within the server's 30 s read timeout

int64_t rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  return -1;
}

// `ledge serve` as a child; its stderr goes to a file we poll for the port.
struct ServerProcess {
  pid_t pid = -1;
  uint16_t port = 0;
  std::string log_path;

  bool start(const std::vector<std::string>& args) {
    char tmpl[] = "/tmp/ledge-load-XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd < 0) return false;
    log_path = tmpl;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd, 2);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd);
    if (rc != 0) return false;
    for (int i = 0; i < 600; ++i) {  // up to a minute to load
      const std::string log = read_log();
      const auto p = log.find("listening on http://127.0.0.1:");
      if (p != std::string::npos && log.find("ledge serve: ready") != std::string::npos) {
        port = uint16_t(std::stoi(log.substr(p + 30)));
        return true;
      }
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) return pid = -1, false;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }
  std::string read_log() const {
    std::ifstream in(log_path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  int stop() {
    if (pid <= 0) return -1;
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  ~ServerProcess() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    if (!log_path.empty()) std::remove(log_path.c_str());
  }
};

// One request on a connected socket; returns the status (0 on a transport error).
int request(tcp::socket& s, const std::string& req, std::string* body = nullptr) {
  boost::system::error_code ec;
  asio::write(s, asio::buffer(req), ec);
  if (ec) return 0;
  std::string out;
  char buf[4096];
  for (;;) {
    const size_t n = s.read_some(asio::buffer(buf), ec);
    out.append(buf, n);
    const auto h = out.find("\r\n\r\n");
    const auto cl = out.find("Content-Length: ");
    if (h != std::string::npos && cl != std::string::npos && cl < h &&
        out.size() >= h + 4 + std::stoul(out.substr(cl + 16))) {
      if (body) *body = out.substr(h + 4);
      return std::stoi(out.substr(9, 3));
    }
    if (ec) return 0;
  }
}

TEST(ServerLoad, ThousandIdleConnectionsPlusTrafficStayCorrectAndBounded) {
  const char* bin = std::getenv("LEDGE_BIN");
  ASSERT_NE(bin, nullptr) << "set LEDGE_BIN (CTest does)";
  // Our own end of ~1,000 sockets needs the fd limit raised too.
  rlimit rl{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < rlim_t(kIdle + 256))
    GTEST_SKIP() << "the open-file hard limit " << rl.rlim_cur << " is too low for " << kIdle << " connections";

  ServerProcess srv;
  ASSERT_TRUE(srv.start({bin, "serve", "--model", ledge::test::fixture("models/stories260K.gguf").string(), "--host",
                         "127.0.0.1", "--port", "0", "--parallel", "4", "--max-queue", "2", "--ctx", "256",
                         "--max-connections", "2048"}))
      << srv.read_log();
  const std::string completion_body = R"({"model":"stories260K","prompt":"Once upon a time","max_tokens":8,"temperature":0})";
  const std::string completion = "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                 "Content-Length: " + std::to_string(completion_body.size()) + "\r\n\r\n" + completion_body;
  const std::string health = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), srv.port);

  asio::io_context ioc;
  {  // warm up, then take the baseline
    tcp::socket s(ioc);
    s.connect(ep);
    for (int i = 0; i < 5; ++i) ASSERT_EQ(request(s, completion), 200);
  }
  const int64_t rss_before = rss_kib(srv.pid);
  ASSERT_GT(rss_before, 0);

  std::vector<std::unique_ptr<tcp::socket>> idle;
  for (int i = 0; i < kIdle; ++i) {
    auto s = std::make_unique<tcp::socket>(ioc);
    boost::system::error_code ec;
    s->connect(ep, ec);
    ASSERT_FALSE(ec) << "idle connection " << i << ": " << ec.message();
    idle.push_back(std::move(s));
  }

  std::mutex mu;
  std::map<int, int> statuses;
  std::string unexpected;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      asio::io_context cio;
      std::unique_ptr<tcp::socket> s;
      while (!stop.load()) {
        if (!s) {
          s = std::make_unique<tcp::socket>(cio);
          boost::system::error_code ec;
          s->connect(ep, ec);
          if (ec) {
            std::lock_guard lk(mu);
            ++statuses[0];
            s.reset();
            continue;
          }
        }
        std::string body;
        const int st = request(*s, completion, &body);
        {
          std::lock_guard lk(mu);
          ++statuses[st];
          if (st == 200 && body.find(R"("text":", there was a)") == std::string::npos) unexpected = body;
        }
        if (st != 200) {  // 429 keeps the connection too, but start clean either way, after a short back-off
          s.reset();
          std::this_thread::sleep_for(20ms);
        }
      }
    });
  }
  std::this_thread::sleep_for(kTraffic);
  stop = true;
  for (auto& t : clients) t.join();

  // Every idle connection is still open and served.
  int idle_ok = 0;
  for (auto& s : idle) idle_ok += request(*s, health) == 200;
  const int64_t rss_after = rss_kib(srv.pid);
  idle.clear();

  std::string summary;
  for (const auto& [st, n] : statuses) summary += " " + std::to_string(st) + ":" + std::to_string(n);
  std::printf("load: statuses%s; idle served %d/%d; RSS %lld -> %lld KiB\n", summary.c_str(), idle_ok, kIdle,
              static_cast<long long>(rss_before), static_cast<long long>(rss_after));
  EXPECT_GT(statuses[200], 0) << summary;
  for (const auto& [st, n] : statuses) EXPECT_TRUE(st == 200 || st == 429) << "status " << st << " x" << n;
  EXPECT_TRUE(unexpected.empty()) << unexpected;
  EXPECT_EQ(idle_ok, kIdle);
  EXPECT_LT(rss_after, rss_before + kRssGrowthKiB) << "RSS grew from " << rss_before << " to " << rss_after << " KiB";
  EXPECT_EQ(srv.stop(), 0) << srv.read_log();
}

}  // namespace
