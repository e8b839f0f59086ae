// The HTTP API of `tessera serve`, apart from the socket: a request (method, path, the
// Authorization header, body) in, a response (status, content type, body) out, so that tests
// call it directly and http_server.h only moves bytes.
//
//   GET    /health                               {"status": "ok", ...}, never needs a token
//   GET    /metrics                              Prometheus text (metrics.h)
//   GET    /                                     the search page (web_page.h)
//   GET    /v1/models                            the served models, as OpenAI lists them
//   POST   /v1/embeddings                        OpenAI's embeddings API: input (string or list),
//                                                model, dimensions (a Matryoshka prefix),
//                                                encoding_format (float or base64), user
//   GET    /collections                          names and sizes
//   POST   /collections                          {name, model, index?, dim?, synchronous?}
//   GET    /collections/{name}                   info
//   DELETE /collections/{name}
//   POST   /collections/{name}/documents         {documents: [{id, text, title?, metadata?}]}
//                                                upserts all or none, in one transaction
//   POST   /collections/{name}/documents/get     {ids: [...]}
//   POST   /collections/{name}/documents/delete  {ids: [...]}
//   GET    /collections/{name}/documents/{id}
//   DELETE /collections/{name}/documents/{id}
//   POST   /collections/{name}/search            {query | queries | vector | vectors, k?, filter?,
//                                                method? (dense, bm25, hybrid), ef_search?,
//                                                shortlist?, fusion? {method, weight, depth}}
// Errors are {"error": {"message", "type"}} (OpenAI's shape) with 400 (bad request), 401 (no or
// wrong token), 404, 405, 409 (exists), 413 (too large) or 500. Members a request does not know
// are a 400, never ignored.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collection_registry.h"
#include "metrics.h"

namespace tessera::serve {

struct ApiRequest {
  std::string method;  // GET, POST, DELETE, ...
  std::string path;    // decoded, without the query string
  std::string authorization;
  std::string body;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Each limit, exceeded, is a 400 (413 for the body) naming the limit.
struct ApiLimits {
  int64_t max_body_bytes = int64_t{32} << 20;
  int64_t max_texts = 2048;          // inputs of an embeddings request, queries of a search
  int64_t max_text_bytes = 1 << 20;  // one input, query or document text
  int64_t max_documents = 10000;     // documents (or ids) of one write
  int64_t max_k = 1000;
  int64_t max_filter_depth = 8;
};

struct ApiOptions {
  ApiLimits limits;
  std::vector<std::string> tokens;  // empty: no token needed
  bool protect_reads = false;       // reads need a token too
};

class Api {
 public:
  Api(CollectionRegistry& registry, ApiOptions options);

  ApiResponse handle(const ApiRequest& request);
  // The route pattern a path falls under, for metrics ("/collections/{name}/search").
  static std::string route_of(const std::string& method, const std::string& path);
  Metrics& metrics() { return metrics_; }

 private:
  ApiResponse dispatch(const ApiRequest& request);
  bool authorized(const std::string& authorization) const;

  CollectionRegistry& registry_;
  ApiOptions options_;
  Metrics metrics_;
};

// Compares in time that depends on the lengths only, not on where the strings differ.
bool constant_time_equal(const std::string& a, const std::string& b);

}  // namespace tessera::serve
