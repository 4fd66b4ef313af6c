#include "server/http_server.h"

#include <array>
#include <deque>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace ledge::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

const char* http_reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

namespace {

std::string head(int status, const std::string& content_type, const HeaderList& extra, bool keep_alive) {
  std::string h = "HTTP/1.1 " + std::to_string(status) + " " + http_reason(status) + "\r\n";
  h += "Content-Type: " + content_type + "\r\n";
  h += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  for (const auto& [k, v] : extra) h += k + ": " + v + "\r\n";
  return h;
}

class Session : public std::enable_shared_from_this<Session>, public Responder {
 public:
  Session(tcp::socket socket, const HttpHandler& handler, const HttpLimits& limits,
          std::shared_ptr<std::atomic<int>> open)
      : stream_(std::move(socket)), handler_(handler), limits_(limits), open_(std::move(open)) {}
  ~Session() override { open_->fetch_sub(1); }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_request(); });
  }

  // Responder: every entry point hops onto the strand.
  void send(int status, const std::string& content_type, std::string body, const HeaderList& extra) override {
    asio::post(stream_.get_executor(), [self = shared_from_this(), status, content_type, extra,
                                        body = std::move(body)]() mutable {
      if (self->responded_ || self->closed_) return;
      self->responded_ = true;
      self->enqueue(head(status, content_type, extra, self->keep_alive_) +
                        "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body,
                    /*last=*/true);
    });
  }
  void start_stream(int status, const std::string& content_type, const HeaderList& extra) override {
    asio::post(stream_.get_executor(), [self = shared_from_this(), status, content_type, extra] {
      if (self->responded_ || self->closed_) return;
      self->responded_ = true;
      self->streaming_ = true;
      self->enqueue(head(status, content_type, extra, self->keep_alive_) +
                        "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n",
                    false);
    });
  }
  void write(std::string piece) override {
    if (piece.empty()) return;  // an empty chunk would end the body
    asio::post(stream_.get_executor(), [self = shared_from_this(), piece = std::move(piece)]() mutable {
      if (!self->streaming_ || self->stream_ended_) return;
      char len[24];
      std::snprintf(len, sizeof len, "%zx\r\n", piece.size());
      self->enqueue(len + piece + "\r\n", false);
    });
  }
  void end_stream() override {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->streaming_ || self->stream_ended_) return;
      self->stream_ended_ = true;
      self->enqueue("0\r\n\r\n", true);
    });
  }
  void on_disconnect(std::function<void()> fn) override {
    asio::post(stream_.get_executor(), [self = shared_from_this(), fn = std::move(fn)]() mutable {
      if (self->closed_) {
        fn();
        return;
      }
      self->on_disconnect_ = std::move(fn);
    });
  }

 private:
  void read_request() {
    parser_.emplace();
    parser_->header_limit(uint32_t(limits_.max_header_bytes));
    parser_->body_limit(limits_.max_body_bytes);
    responded_ = streaming_ = stream_ended_ = response_done_ = false;
    on_disconnect_ = nullptr;
    stream_.expires_after(limits_.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_request(ec); });
  }

  void on_request(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted) {
      return close();
    }
    if (ec) {
      keep_alive_ = false;
      int status = 400;
      std::string msg = "malformed HTTP request: " + ec.message();
      if (ec == http::error::body_limit) {
        status = 413;
        msg = "the request body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes";
      } else if (ec == http::error::header_limit) {
        status = 431;
        msg = "the request headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes";
      } else if (ec == beast::error::timeout) {
        return close();  // a slow client gets no more of our time
      }
      std::string body = R"({"error":{"message":")" + msg + R"(","type":"invalid_request_error","param":null,"code":null}})";
      responded_ = true;
      enqueue(head(status, "application/json", {}, false) + "Content-Length: " + std::to_string(body.size()) +
                  "\r\n\r\n" + body,
              true);
      return;
    }
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    std::string target(msg.target());
    req.target = target.substr(0, target.find('?'));
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (auto& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
      req.headers[name] = std::string(f.value());
    }
    req.body = std::move(msg.body());
    stream_.expires_never();  // generation may take long; writes set their own deadline
    watch();
    handler_(std::move(req), shared_from_this());
  }

  // Keeps a read pending while the request is served so a client that hangs
  // up is noticed (its generation gets cancelled) even when nothing is written.
  void watch() {
    watching_ = true;
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, size_t n) {
      self->watching_ = false;
      if (!ec) {
        self->buffer_.commit(n);  // a pipelined request: parsed after this response
        if (self->response_done_) self->read_request();
        return;
      }
      if (ec == asio::error::operation_aborted && self->response_done_ && !self->closed_) return self->read_request();
      self->client_gone();
    });
  }

  void client_gone() {
    if (closed_) return;
    if (on_disconnect_) std::exchange(on_disconnect_, nullptr)();
    close();
  }

  void enqueue(std::string data, bool last) {
    if (closed_) return;
    out_.push_back({std::move(data), last});
    if (out_.size() == 1) write_next();
  }

  void write_next() {
    stream_.expires_after(limits_.write_timeout);
    asio::async_write(stream_, asio::buffer(out_.front().first),
                      [self = shared_from_this()](beast::error_code ec, size_t) { self->on_written(ec); });
  }

  void on_written(beast::error_code ec) {
    if (ec) return client_gone();
    const bool last = out_.front().second;
    out_.pop_front();
    if (!out_.empty()) return write_next();
    stream_.expires_never();
    if (!last) return;
    response_done_ = true;
    on_disconnect_ = nullptr;
    if (!keep_alive_) return close();
    if (watching_) {
      stream_.socket().cancel();  // the watch handler resumes reading
    } else {
      read_request();
    }
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  const HttpHandler& handler_;
  const HttpLimits& limits_;
  std::shared_ptr<std::atomic<int>> open_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::pair<std::string, bool>> out_;
  std::function<void()> on_disconnect_;
  bool keep_alive_ = true, responded_ = false, streaming_ = false, stream_ended_ = false;
  bool response_done_ = false, watching_ = false, closed_ = false;
};

// A connection beyond --max-connections: gets a 503 in the OpenAI error
// shape and is closed. Its request is not read (a little of it is drained
// after the answer so that closing does not reset the connection before the
// client has read the 503). Bounded in time and in number (see do_accept).
class Rejection : public std::enable_shared_from_this<Rejection> {
 public:
  Rejection(tcp::socket socket, int limit, std::shared_ptr<std::atomic<int>> count)
      : stream_(std::move(socket)), count_(std::move(count)) {
    const std::string body = R"({"error":{"message":"the server is at its limit of )" + std::to_string(limit) +
                             R"( open connections; retry later","type":"server_error","param":null,"code":"too_many_connections"}})";
    msg_ = head(503, "application/json", {{"Retry-After", "1"}}, false) +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  ~Rejection() { count_->fetch_sub(1); }

  void start() {
    stream_.expires_after(std::chrono::seconds(2));
    asio::async_write(stream_, asio::buffer(msg_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close();
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      self->drain();
    });
  }

 private:
  void drain() {
    stream_.async_read_some(asio::buffer(sink_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close();  // EOF, timeout or reset: done
      self->drain();
    });
  }
  void close() { stream_.close(); }

  beast::tcp_stream stream_;
  std::shared_ptr<std::atomic<int>> count_;
  std::string msg_;
  std::array<char, 4096> sink_{};
};

}  // namespace

HttpServer::HttpServer(asio::io_context& ioc, HttpHandler handler, HttpLimits limits)
    : ioc_(ioc), handler_(std::move(handler)), limits_(limits), acceptor_(asio::make_strand(ioc)),
      retry_(acceptor_.get_executor()) {}

// By now no io thread runs (the owner stopped the io_context first), so the
// acceptor is closed directly rather than through a handler that would
// outlive this object.
HttpServer::~HttpServer() {
  beast::error_code ignored;
  acceptor_.close(ignored);
}

Status HttpServer::listen(const std::string& host, uint16_t port) {
  beast::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return Error{"invalid listen address '" + host + "': " + ec.message()};
  tcp::endpoint ep(addr, port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{"cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message()};
  port_ = acceptor_.local_endpoint().port();
  do_accept();
  return Status::Ok();
}

void HttpServer::stop_accepting() {
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    retry_.cancel();
    acceptor_.close(ignored);
  });
}

void HttpServer::do_accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Typically out of file descriptors (EMFILE/ENFILE): retrying at once
      // would spin; wait a little for connections to close.
      retry_.expires_after(std::chrono::milliseconds(50));
      retry_.async_wait([this](beast::error_code wec) {
        if (!wec && acceptor_.is_open()) do_accept();
      });
      return;
    }
    if (open_->load() >= limits_.max_connections) {
      // Over the limit: answer 503 and close rather than queue unbounded
      // work; past a few pending refusals, just close.
      if (rejecting_->load() < kMaxPendingRejections) {
        rejecting_->fetch_add(1);
        ++rejected_;
        std::make_shared<Rejection>(std::move(socket), limits_.max_connections, rejecting_)->start();
      } else {
        beast::error_code ignored;
        socket.close(ignored);
      }
    } else {
      open_->fetch_add(1);
      std::make_shared<Session>(std::move(socket), handler_, limits_, open_)->start();
    }
    do_accept();
  });
}

}  // namespace ledge::server
