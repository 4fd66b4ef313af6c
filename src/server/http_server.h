// HTTP/1.1 transport on Boost.Beast/Asio: async accept and sessions (no
// thread per connection), limits on header size, body size, idle/read time and
// open connections. Responses go out through a Responder that any thread may
// use (it posts to the connection's strand), so the scheduler thread can
// stream tokens straight to the socket. Knows nothing of OpenAI or JSON.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/status.h"

namespace ledge::server {

struct HttpLimits {
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 4 * 1024 * 1024;
  std::chrono::seconds read_timeout{30};   // a whole request must arrive within this (slowloris)
  std::chrono::seconds write_timeout{30};  // a client that stops reading is dropped
  int max_connections = 2048;  // beyond: 503 and close
};

struct HttpRequest {
  std::string method;
  std::string target;                          // path without the query string
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One response per request. Thread-safe; calls after the connection closed
// are ignored.
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void send(int status, const std::string& content_type, std::string body, const HeaderList& extra = {}) = 0;
  // Chunked response: start once, write any number of pieces, end once.
  virtual void start_stream(int status, const std::string& content_type, const HeaderList& extra = {}) = 0;
  virtual void write(std::string piece) = 0;
  virtual void end_stream() = 0;
  // Called once (on an io thread) if the client goes away before the response
  // is complete; set it before starting long work.
  virtual void on_disconnect(std::function<void()> fn) = 0;
};

using HttpHandler = std::function<void(HttpRequest, std::shared_ptr<Responder>)>;

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, HttpHandler handler, HttpLimits limits);
  // Destroy only after the io_context has stopped: sessions refer to the
  // handler and limits held here.
  ~HttpServer();

  // Binds and starts accepting; port 0 picks a free port (see port()).
  Status listen(const std::string& host, uint16_t port);
  uint16_t port() const { return port_; }
  // Stops accepting new connections; open ones finish their responses.
  void stop_accepting();
  int open_connections() const { return open_->load(); }
  // Connections refused with a 503 because of max_connections (io thread counts; approximate when read elsewhere).
  int64_t rejected_connections() const { return rejected_.load(); }

 private:
  static constexpr int kMaxPendingRejections = 64;
  void do_accept();

  boost::asio::io_context& ioc_;
  HttpHandler handler_;
  HttpLimits limits_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;  // after a failed accept
  std::shared_ptr<std::atomic<int>> open_ = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<int>> rejecting_ = std::make_shared<std::atomic<int>>(0);
  std::atomic<int64_t> rejected_{0};
  uint16_t port_ = 0;
};

const char* http_reason(int status);

}  // namespace ledge::server
