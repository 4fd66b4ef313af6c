// The real HTTP stack (HttpServer + OpenAiApi + Scheduler with stories260K)
// on 127.0.0.1, fed hostile requests over raw sockets: each gets its
// documented 4xx and the server keeps answering.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include "server/openai_api.h"
#include "support/fixtures.h"

namespace ledge::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class HostileHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    ApiOptions opts;
    opts.api_keys = {"secret-key"};
    api_ = std::make_unique<OpenAiApi>(opts, metrics_);
    runtime::EngineOptions eo;
    eo.n_ctx = 128;
    eo.n_parallel = 2;
    eo.max_batch = 64;
    auto s = Scheduler::create(ledge::test::fixture("models/stories260K.gguf").string(), eo, SchedulerOptions{});
    ASSERT_TRUE(s.ok()) << s.message();
    ServedModel m;
    m.id = "stories260K";
    m.chat = std::make_unique<ChatPrompt>(std::nullopt, (*s)->tokenizer());
    m.scheduler = std::move(s).value();
    api_->add_model(std::move(m));
    api_->set_ready(true);
    HttpLimits lim = limits_;
    lim.max_body_bytes = 1 << 20;
    lim.read_timeout = std::chrono::seconds(1);
    http_ = std::make_unique<HttpServer>(ioc_, [this](HttpRequest r, std::shared_ptr<Responder> out) {
      api_->handle(std::move(r), std::move(out));
    }, lim);
    ASSERT_TRUE(http_->listen("127.0.0.1", 0).ok());
    io_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    for (auto& m : api_->models()) m.scheduler->shutdown(5);
    ioc_.stop();
    if (io_.joinable()) io_.join();
  }

  // Sends raw bytes, returns the whole response (the server closes or the
  // Content-Length is reached).
  // Sends bytes, returns what comes back: the first complete response, or with
  // until_close everything up to the server closing the connection.
  std::string raw(const std::string& bytes, bool until_close = false) {
    asio::io_context c;
    tcp::socket s(c);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), http_->port()));
    boost::system::error_code ec;
    asio::write(s, asio::buffer(bytes), ec);  // the server may close early on oversized input
    std::string out;
    char buf[4096];
    for (;;) {
      size_t n = s.read_some(asio::buffer(buf), ec);
      out.append(buf, n);
      if (ec) break;
      if (until_close) continue;
      const auto h = out.find("\r\n\r\n");
      const auto cl = out.find("Content-Length: ");
      if (h != std::string::npos && cl != std::string::npos && cl < h &&
          out.size() >= h + 4 + std::stoul(out.substr(cl + 16))) break;
    }
    return out;
  }
  std::string post(const std::string& path, const std::string& body, bool auth = true) {
    return raw("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
               (auth ? "Authorization: Bearer secret-key\r\n" : "") + "Content-Length: " + std::to_string(body.size()) +
               "\r\nConnection: close\r\n\r\n" + body);
  }
  static int status(const std::string& resp) { return resp.size() > 12 ? std::stoi(resp.substr(9, 3)) : 0; }

  HttpLimits limits_;  // a derived fixture may change it before SetUp
  asio::io_context ioc_;
  Metrics metrics_;
  std::unique_ptr<OpenAiApi> api_;
  std::unique_ptr<HttpServer> http_;
  std::thread io_;
};

TEST_F(HostileHttp, HostileRequestsGetDocumented4xxAndServerKeepsAnswering) {
  const std::string ok_body = R"({"model":"stories260K","prompt":"Once upon a time","max_tokens":4,"temperature":0})";
  struct Case {
    const char* name;
    std::string response;
    int want;
  };
  std::vector<Case> cases;
  cases.push_back({"no API key", post("/v1/completions", ok_body, false), 401});
  cases.push_back({"wrong API key", raw("GET /v1/models HTTP/1.1\r\nAuthorization: Bearer secret-kez\r\nConnection: close\r\n\r\n"), 401});
  cases.push_back({"malformed JSON", post("/v1/completions", "{\"model\":"), 400});
  cases.push_back({"unknown model", post("/v1/completions", R"({"model":"gpt-9","prompt":"x"})"), 404});
  cases.push_back({"invalid token id", post("/v1/completions", R"({"model":"stories260K","prompt":[1,512]})"), 400});
  cases.push_back({"context overflow", post("/v1/completions", R"({"model":"stories260K","prompt":"x","max_tokens":1000})"), 400});
  cases.push_back({"deep nesting", post("/v1/chat/completions", std::string(200000, '[')), 400});
  cases.push_back({"10 MB body", post("/v1/completions", std::string(10 << 20, ' ')), 413});
  cases.push_back({"huge header", raw("GET /health HTTP/1.1\r\nX-Big: " + std::string(64 << 10, 'a') + "\r\n\r\n"), 431});
  cases.push_back({"garbage request line", raw("\x01\x02 nonsense\r\n\r\n"), 400});
  cases.push_back({"unknown route", raw("GET /v2/x HTTP/1.1\r\nAuthorization: Bearer secret-key\r\nConnection: close\r\n\r\n"), 404});
  cases.push_back({"wrong method", raw("GET /v1/completions HTTP/1.1\r\nAuthorization: Bearer secret-key\r\nConnection: close\r\n\r\n"), 405});
  for (const auto& c : cases) {
    EXPECT_EQ(status(c.response), c.want) << c.name << ":\n" << c.response.substr(0, 400);
    if (c.want != 431 && c.want != 413 && status(c.response) == c.want) {
      EXPECT_NE(c.response.find(R"("error":{)"), std::string::npos) << c.name;
    }
  }
  // Public probes need no key; the API still works after all of the above.
  EXPECT_EQ(status(raw("GET /health HTTP/1.1\r\nConnection: close\r\n\r\n")), 200);
  EXPECT_EQ(status(raw("GET /ready HTTP/1.1\r\nConnection: close\r\n\r\n")), 200);
  const auto ok = post("/v1/completions", ok_body);
  EXPECT_EQ(status(ok), 200) << ok;
  EXPECT_NE(ok.find(R"("text":", there was a")"), std::string::npos) << ok;
}

TEST_F(HostileHttp, SlowClientIsCutOffByTheReadTimeout) {
  asio::io_context c;
  tcp::socket s(c);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), http_->port()));
  asio::write(s, asio::buffer(std::string("GET /health HTTP/1.1\r\nX-Slow: ")));
  const auto t0 = std::chrono::steady_clock::now();
  char b[64];
  boost::system::error_code ec;
  s.read_some(asio::buffer(b), ec);  // blocks until the server gives up on us
  EXPECT_TRUE(ec) << "the server answered a half-sent request";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST_F(HostileHttp, KeepAliveServesSeveralRequestsOnOneConnection) {
  const std::string req = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  // The last request asks to close, so reading to EOF collects all three
  // responses however the server's writes are split into TCP segments.
  const auto out = raw(req + req + "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n", /*until_close=*/true);
  size_t n = 0;
  for (size_t p = out.find("HTTP/1.1 200"); p != std::string::npos; p = out.find("HTTP/1.1 200", p + 1)) ++n;
  EXPECT_EQ(n, 3u) << out;
}

class ConnectionLimitHttp : public HostileHttp {
 protected:
  ConnectionLimitHttp() { limits_.max_connections = 3; }
};

bool wait_until(const std::function<bool()>& cond) {
  for (int i = 0; i < 1000 && !cond(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return cond();
}

TEST_F(ConnectionLimitHttp, ConnectionsBeyondTheLimitGet503AndTheServerRecovers) {
  asio::io_context c;
  std::vector<std::unique_ptr<tcp::socket>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<tcp::socket>(c));
    idle.back()->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), http_->port()));
  }
  ASSERT_TRUE(wait_until([&] { return http_->open_connections() == 3; })) << http_->open_connections();
  for (int i = 0; i < 5; ++i) {  // refused each time, never crashing, never counted as open
    const auto r = raw("GET /health HTTP/1.1\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(status(r), 503) << r;
    EXPECT_NE(r.find(R"("code":"too_many_connections")"), std::string::npos) << r;
    EXPECT_NE(r.find("Retry-After: 1"), std::string::npos) << r;
  }
  EXPECT_EQ(http_->open_connections(), 3);
  EXPECT_GE(http_->rejected_connections(), 5);
  idle.pop_back();  // one client leaves: room for one more
  ASSERT_TRUE(wait_until([&] { return http_->open_connections() == 2; })) << http_->open_connections();
  EXPECT_EQ(status(raw("GET /health HTTP/1.1\r\nConnection: close\r\n\r\n")), 200);
}

}  // namespace
}  // namespace ledge::server
