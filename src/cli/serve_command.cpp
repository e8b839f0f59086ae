// `tessera serve`: the collections of a data directory and the given models over HTTP
// (serve/api.h lists the endpoints), until SIGTERM or SIGINT, which end it once the requests in
// flight are answered.
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../serve/api.h"
#include "../serve/collection_registry.h"
#include "../serve/http_server.h"
#include "commands.h"
#include "options.h"
#include "tessera/core/check.h"
#include "tessera/core/parallel.h"

namespace tessera::cli {

namespace {

int stop_pipe[2] = {-1, -1};

void on_stop_signal(int signal_number) {
  const auto byte = static_cast<unsigned char>(signal_number);
  [[maybe_unused]] const ssize_t written = ::write(stop_pipe[1], &byte, 1);
}

// Tokens, one per line; blank lines and lines starting with '#' are skipped.
std::vector<std::string> read_tokens(const std::string& path) {
  std::ifstream in(path);
  TESSERA_CHECK(in.good(), "cannot read the token file {}", path);
  std::vector<std::string> tokens;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    TESSERA_CHECK(line.size() >= 16, "{}:{}: a token has at least 16 characters", path, number);
    tokens.push_back(line);
  }
  TESSERA_CHECK(!tokens.empty(), "{}: the token file holds no token", path);
  return tokens;
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost" || host.rfind("127.", 0) == 0;
}

}  // namespace

void add_serve_command(CLI::App& app) {
  struct Args {
    std::string data;
    std::vector<std::string> models;
    serve::HttpOptions http;
    serve::ApiOptions api;
    std::string token_file;
    bool insecure_bind_any = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve collections (tessera collection) and models over HTTP: OpenAI-compatible "
      "/v1/embeddings, collection search with filters, upserts, /metrics, a search page at /");
  cmd->add_option("--data", args->data, "Data directory: one collection per subdirectory")
      ->required();
  cmd->add_option("--model", args->models,
                  "A model to serve, NAME=PATH or PATH (named by its file name without extension); "
                  "repeatable. Collections made over HTTP use these")
      ->type_name("[NAME=]PATH");
  cmd->add_option("--host", args->http.host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", args->http.port, "Port (0: any free one, printed)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--threads", args->http.threads,
                  "Worker threads: connections served at once (each request runs on its own)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--token-file", args->token_file,
                  "Tokens (one per line): writes need Authorization: Bearer <token>");
  cmd->add_flag("--protect-reads", args->api.protect_reads,
                "Reads (search, embeddings, listings, metrics) need a token too");
  cmd->add_flag("--insecure-bind-any", args->insecure_bind_any,
                "Allow a non-loopback --host without --token-file (anyone reaching it can write)");
  serve::ApiLimits& limits = args->api.limits;
  cmd->add_option("--max-body-bytes", limits.max_body_bytes, "Largest request body")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--max-texts", limits.max_texts,
                  "Texts per embeddings request, queries per search")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--max-text-bytes", limits.max_text_bytes, "Bytes of one text")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--max-documents", limits.max_documents, "Documents or ids per write")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--max-k", limits.max_k, "Largest k of a search")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--max-filter-depth", limits.max_filter_depth, "Deepest nesting of a filter")
      ->check(positive())
      ->capture_default_str();
  cmd->callback([args] {
    if (args->token_file.empty() && !is_loopback(args->http.host) && !args->insecure_bind_any) {
      throw CLI::ValidationError("--host",
                                 "binding " + args->http.host +
                                     " without --token-file lets anyone who reaches it write; give "
                                     "--token-file, or --insecure-bind-any to do it anyway");
    }
    if (args->api.protect_reads && args->token_file.empty()) {
      throw CLI::ValidationError("--protect-reads", "needs --token-file");
    }
    std::map<std::string, std::string> models;
    for (const std::string& given : args->models) {
      const size_t equals = given.find('=');
      std::string name = equals == std::string::npos ? "" : given.substr(0, equals);
      const std::string path = equals == std::string::npos ? given : given.substr(equals + 1);
      if (name.empty()) {
        name = path.substr(path.find_last_of('/') + 1);
        name = name.substr(0, name.find('.'));
      }
      if (!models.emplace(name, path).second) {
        throw CLI::ValidationError("--model", "two models are named '" + name + "'");
      }
    }
    if (!args->token_file.empty()) args->api.tokens = read_tokens(args->token_file);
    args->http.max_body_bytes = args->api.limits.max_body_bytes;
    // Requests run side by side on the worker threads, each on one core, instead of queueing
    // for the shared pool one parallel job at a time.
    set_num_threads(1);
    serve::CollectionRegistry registry(args->data, models);
    serve::Api api(registry, args->api);
    serve::HttpServer server(api, args->http);
    const int port = server.bind();

    TESSERA_CHECK(::pipe2(stop_pipe, O_CLOEXEC) == 0, "cannot make the stop pipe");
    struct sigaction action = {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    for (const int signal_number : {SIGTERM, SIGINT}) sigaction(signal_number, &action, nullptr);
    std::thread stopper([&server] {
      unsigned char byte = 0;
      while (::read(stop_pipe[0], &byte, 1) != 1) {
      }
      if (byte != 0) fmt::print(stderr, "serve: signal {}, finishing requests in flight\n", byte);
      server.stop();
    });
    fmt::print(stderr, "serve: listening on http://{}:{} ({} collections, {} models{})\n",
               args->http.host, port, registry.names().size(), models.size(),
               args->api.tokens.empty() ? ", no token" : "");
    std::fflush(stderr);
    server.run();
    const unsigned char done = 0;
    [[maybe_unused]] const ssize_t written = ::write(stop_pipe[1], &done, 1);
    stopper.join();
    fmt::print(stderr, "serve: stopped\n");
  });
}

}  // namespace tessera::cli
