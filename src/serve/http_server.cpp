#include "http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <utility>

#include "tessera/core/check.h"

namespace tessera::serve {

namespace {
constexpr int kListenBacklog = 1024;
}  // namespace

struct HttpServer::Impl {
  Api& api;
  HttpOptions options;
  httplib::Server server;
  int socket = -1;  // the listening socket, once made

  Impl(Api& a, HttpOptions o) : api(a), options(std::move(o)) {}

  void answer(const httplib::Request& request, httplib::Response& response) {
    const ApiResponse answer = api.handle(
        {request.method, request.path, request.get_header_value("Authorization"), request.body});
    response.status = answer.status;
    response.set_content(answer.body, answer.content_type.c_str());
  }
};

HttpServer::HttpServer(Api& api, HttpOptions options)
    : impl_(std::make_unique<Impl>(api, std::move(options))) {
  httplib::Server& server = impl_->server;
  const auto threads = static_cast<size_t>(impl_->options.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(static_cast<size_t>(impl_->options.max_body_bytes));
  server.set_keep_alive_max_count(100000);
  server.set_tcp_nodelay(true);
  server.set_socket_options([this](int socket) {
    const int yes = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    impl_->socket = socket;
  });
  const auto handler = [this](const httplib::Request& request, httplib::Response& response) {
    impl_->answer(request, response);
  };
  server.Get(R"(/.*)", handler);
  server.Post(R"(/.*)", handler);
  server.Delete(R"(/.*)", handler);
  server.Put(R"(/.*)", handler);
  server.Patch(R"(/.*)", handler);
  // httplib's own refusals (a body over the limit, a malformed request) in the API's shape.
  server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    if (!response.body.empty()) return;
    std::string message = "the request was refused (HTTP " + std::to_string(response.status) + ")";
    if (response.status == 413) {
      // httplib caps form-encoded bodies (curl -d's default type) at 8 KiB whatever the limit.
      message = request.get_header_value("Content-Type") == "application/x-www-form-urlencoded"
                    ? "a form-encoded body is limited to 8192 bytes: send Content-Type: "
                      "application/json"
                    : "the body is larger than the limit";
    }
    const std::string type = response.status == 413 ? "invalid_request_error" : "server_error";
    response.set_content(
        R"({"error": {"message": ")" + message + R"(", "type": ")" + type + R"("}})",
        "application/json");
  });
}

HttpServer::~HttpServer() = default;

int HttpServer::bind() {
  httplib::Server& server = impl_->server;
  const std::string& host = impl_->options.host;
  int port = impl_->options.port;
  if (port == 0) {
    port = server.bind_to_any_port(host);
    TESSERA_CHECK(port > 0, "cannot bind {} to a port", host);
  } else {
    TESSERA_CHECK(server.bind_to_port(host, port),
                  "cannot bind {}:{} (in use, or not an address of this machine)", host, port);
  }
  // httplib listens with a backlog of 5: 64 clients connecting at once lose SYNs and retry a
  // second later. Listening again on the bound socket raises the backlog (to somaxconn).
  TESSERA_CHECK(impl_->socket >= 0 && ::listen(impl_->socket, kListenBacklog) == 0,
                "cannot listen on {}:{} with a backlog of {}", host, port, kListenBacklog);
  return port;
}

void HttpServer::run() { impl_->server.listen_after_bind(); }

void HttpServer::stop() { impl_->server.stop(); }

}  // namespace tessera::serve
