// `tessera serve`'s socket side: cpp-httplib (Debian's libcpp-httplib-dev, a compiled library)
// moving requests to the Api (api.h) and its answers back, on a pool of worker threads, one
// connection each. stop() (on SIGTERM or SIGINT) closes the listening socket and returns from
// run() once the requests in flight are answered.
#pragma once

#include <memory>
#include <string>

#include "api.h"

namespace tessera::serve {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8080;   // 0: any free port (the one bound is printed)
  int threads = 64;  // worker threads: connections served at once (keep-alive holds one)
  int64_t max_body_bytes = int64_t{32} << 20;
};

class HttpServer {
 public:
  HttpServer(Api& api, HttpOptions options);
  ~HttpServer();

  // Binds (an Error when the address is taken) and returns the port bound.
  int bind();
  // Serves until stop(); returns when the last request in flight is answered.
  void run();
  // Safe from any thread (not from a signal handler).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::serve
