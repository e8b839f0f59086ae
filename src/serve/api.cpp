#include "api.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>

#include "tessera/collection/document_reader.h"
#include "tessera/core/check.h"
#include "tessera/core/stopwatch.h"
#include "web_page.h"

namespace tessera::serve {

namespace {

using Json = nlohmann::json;

// An answer that is not a 200: thrown by the handlers, turned into the error body once.
struct ApiError {
  int status;
  std::string type;
  std::string message;
};

[[noreturn]] void bad_request(std::string message) {
  throw ApiError{400, "invalid_request_error", std::move(message)};
}

// A library Error's message without the source location it carries for developers.
std::string user_message(std::string message) {
  for (const char* marker : {" (check `", " (at "}) {
    const size_t at = message.rfind(marker);
    if (at != std::string::npos) message.resize(at);
  }
  return message;
}

std::string dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

ApiResponse json_response(int status, const Json& body) {
  return {status, "application/json", dump(body)};
}

ApiResponse error_response(const ApiError& error) {
  return json_response(error.status,
                       {{"error", {{"message", error.message}, {"type", error.type}}}});
}

Json parse_body(const std::string& body) {
  if (body.empty()) bad_request("the request needs a JSON body");
  try {
    Json parsed = Json::parse(body);
    if (!parsed.is_object()) bad_request("the body must be a JSON object");
    return parsed;
  } catch (const Json::exception& e) {
    bad_request(std::string("the body is not valid JSON: ") + e.what());
  }
}

// Members outside `known` are an error: a misspelt option must not be ignored.
void check_members(const Json& object, std::initializer_list<std::string_view> known,
                   const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (const std::string_view name : known)
        list += (list.empty() ? "" : ", ") + std::string(name);
      bad_request(fmt::format("{}: unknown member \"{}\" (known: {})", where, key, list));
    }
  }
}

int64_t integer_member(const Json& object, const char* name, int64_t fallback, int64_t low,
                       int64_t high) {
  if (!object.contains(name) || object[name].is_null()) return fallback;
  const Json& value = object[name];
  if (!value.is_number_integer()) bad_request(fmt::format("\"{}\" must be an integer", name));
  const auto number = value.get<int64_t>();
  if (number < low || number > high) {
    bad_request(fmt::format("\"{}\" must be in [{}, {}], got {}", name, low, high, number));
  }
  return number;
}

std::string string_member(const Json& object, const char* name, const std::string& fallback) {
  if (!object.contains(name) || object[name].is_null()) return fallback;
  if (!object[name].is_string()) bad_request(fmt::format("\"{}\" must be a string", name));
  return object[name].get<std::string>();
}

void check_text(const std::string& text, const ApiLimits& limits, const std::string& where) {
  if (std::ssize(text) > limits.max_text_bytes) {
    bad_request(fmt::format("{}: {} bytes, more than the limit of {} per text", where, text.size(),
                            limits.max_text_bytes));
  }
}

std::string base64(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const uint32_t a = bytes[i];
    const uint32_t b = i + 1 < bytes.size() ? bytes[i + 1] : 0;
    const uint32_t c = i + 2 < bytes.size() ? bytes[i + 2] : 0;
    const uint32_t triple = (a << 16) | (b << 8) | c;
    out += kDigits[(triple >> 18) & 63];
    out += kDigits[(triple >> 12) & 63];
    out += i + 1 < bytes.size() ? kDigits[(triple >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kDigits[triple & 63] : '=';
  }
  return out;
}

// The path's segments: "/collections/a/search" -> {"collections", "a", "search"}.
std::vector<std::string> segments_of(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t end = path.find('/', start);
    const std::string part =
        path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty()) parts.push_back(part);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return parts;
}

bool is_write(const std::string& method, const std::vector<std::string>& parts) {
  if (parts.empty() || parts[0] != "collections") return false;
  if (method == "DELETE") return true;
  if (method != "POST") return false;
  // POST /collections, /{name}/documents, /{name}/documents/delete write; get and search read.
  if (parts.size() == 1) return true;
  return parts.size() >= 3 && parts[2] == "documents" &&
         (parts.size() == 3 || parts[3] == "delete");
}

class Handlers {
 public:
  Handlers(CollectionRegistry& registry, const ApiOptions& options, Metrics& metrics)
      : registry_(registry), limits_(options.limits), metrics_(metrics) {}

  ApiResponse models() const {
    Json data = Json::array();
    for (const ServedModel& served : registry_.models()) {
      data.push_back({{"id", served.name},
                      {"object", "model"},
                      {"created", 0},
                      {"owned_by", "tessera"},
                      {"dimensions", served.model->dim()},
                      {"prefixes", served.model->prefixes()}});
    }
    return json_response(200, {{"object", "list"}, {"data", data}});
  }

  ApiResponse embeddings(const Json& body) const {
    check_members(body, {"input", "model", "dimensions", "encoding_format", "user"}, "embeddings");
    const std::string model_name = string_member(body, "model", "");
    if (model_name.empty()) bad_request("\"model\" is required (GET /v1/models lists them)");
    const ServedModel* served = registry_.model(model_name);
    if (served == nullptr) {
      throw ApiError{404, "not_found_error", fmt::format("no model '{}' is served", model_name)};
    }
    const Model& model = *served->model;
    const int64_t dim = integer_member(body, "dimensions", model.dim(), 1, model.dim());
    const std::string format = string_member(body, "encoding_format", "float");
    if (format != "float" && format != "base64") {
      bad_request("\"encoding_format\" is float or base64, got \"" + format + "\"");
    }
    if (!body.contains("input")) bad_request("\"input\" is required: a string or a list of them");
    std::vector<std::string> texts;
    const Json& input = body["input"];
    if (input.is_string()) {
      texts.push_back(input.get<std::string>());
    } else if (input.is_array() && !input.empty()) {
      if (std::ssize(input) > limits_.max_texts) {
        bad_request(fmt::format("\"input\" holds {} texts, more than the limit {}", input.size(),
                                limits_.max_texts));
      }
      for (const Json& text : input) {
        if (!text.is_string()) {
          bad_request("\"input\" must hold strings (token arrays are not taken: send the text)");
        }
        texts.push_back(text.get<std::string>());
      }
    } else {
      bad_request("\"input\" must be a string or a non-empty list of strings");
    }
    int64_t tokens = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
      check_text(texts[i], limits_, fmt::format("input[{}]", i));
    }
    const Tensor vectors = model.embed(texts, dim, kQueryTower, {"input", 0});
    Json data = Json::array();
    for (size_t i = 0; i < texts.size(); ++i) {
      tokens += std::ssize(model.featurizer().tokens(texts[i]));
      const float* row = vectors.row(static_cast<int64_t>(i));
      Json embedding;
      if (format == "base64") {
        embedding = base64({reinterpret_cast<const uint8_t*>(row), dim * sizeof(float)});
      } else {
        embedding = std::vector<float>(row, row + dim);
      }
      data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", std::move(embedding)}});
    }
    return json_response(200, {{"object", "list"},
                               {"data", std::move(data)},
                               {"model", model_name},
                               {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
  }

  std::shared_ptr<Collection> collection(const std::string& name) const {
    auto found = registry_.find(name);
    if (found == nullptr) {
      throw ApiError{404, "not_found_error", fmt::format("no collection '{}'", name)};
    }
    return found;
  }

  static Json info_json(const std::string& name, const Collection& collection) {
    const CollectionInfo info = collection.info();
    return {{"name", name},
            {"documents", info.documents},
            {"index", info.index},
            {"dim", info.dim},
            {"model_checksum", info.model_checksum},
            {"synchronous", info.synchronous},
            {"index_memory_bytes", info.index_memory_bytes},
            {"removed_rows", info.removed_rows}};
  }

  ApiResponse list_collections() const {
    Json list = Json::array();
    for (const std::string& name : registry_.names()) {
      if (auto found = registry_.find(name)) list.push_back(info_json(name, *found));
    }
    return json_response(200, {{"collections", std::move(list)}});
  }

  ApiResponse create_collection(const Json& body) const {
    check_members(body, {"name", "model", "index", "dim", "synchronous"}, "collection");
    const std::string name = string_member(body, "name", "");
    const std::string problem = validate_collection_name(name);
    if (!problem.empty()) bad_request(fmt::format("\"name\" '{}': {}", name, problem));
    if (registry_.find(name) != nullptr) {
      throw ApiError{409, "conflict_error", fmt::format("collection '{}' exists", name)};
    }
    const std::string model_name = string_member(body, "model", "");
    if (registry_.model(model_name) == nullptr) {
      bad_request(fmt::format("\"model\": no model '{}' is served (GET /v1/models)", model_name));
    }
    CollectionOptions options;
    options.index = string_member(body, "index", "flat");
    options.dim = integer_member(body, "dim", 0, 1, int64_t{1} << 20);
    options.synchronous =
        parse_enum<Synchronous>(string_member(body, "synchronous", "full"), "synchronous");
    auto created = registry_.create(name, model_name, options);
    return json_response(201, info_json(name, *created));
  }

  ApiResponse upsert(Collection& target, const Json& body) const {
    check_members(body, {"documents"}, "upsert");
    const Json& list = body.contains("documents") ? body["documents"] : Json();
    if (!list.is_array() || list.empty()) bad_request("\"documents\" must be a non-empty list");
    if (std::ssize(list) > limits_.max_documents) {
      bad_request(fmt::format("\"documents\" holds {}, more than the limit {} per request",
                              list.size(), limits_.max_documents));
    }
    std::vector<CollectionDocument> documents;
    documents.reserve(list.size());
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string where = fmt::format("documents[{}]", i);
      documents.push_back(document_from_json(list[i], where));
      check_text(documents.back().text, limits_, where);
    }
    const UpsertCounts counts = target.upsert(documents);
    return json_response(200, {{"added", counts.added},
                               {"replaced", counts.replaced},
                               {"documents", target.info().documents}});
  }

  std::vector<std::string> ids_of(const Json& body) const {
    check_members(body, {"ids"}, "ids");
    const Json& list = body.contains("ids") ? body["ids"] : Json();
    if (!list.is_array() || list.empty()) bad_request("\"ids\" must be a non-empty list");
    if (std::ssize(list) > limits_.max_documents) {
      bad_request(fmt::format("\"ids\" holds {}, more than the limit {} per request", list.size(),
                              limits_.max_documents));
    }
    std::vector<std::string> ids;
    for (const Json& id : list) {
      if (!id.is_string()) bad_request("\"ids\" must hold strings");
      ids.push_back(id.get<std::string>());
    }
    return ids;
  }

  static Json document_json(const CollectionDocument& document) {
    return {
        {"id", document.id}, {"text", document.text}, {"metadata", Json::parse(document.metadata)}};
  }

  ApiResponse get_documents(const Collection& target, const std::vector<std::string>& ids) const {
    Json list = Json::array();
    for (const auto& document : target.get(ids)) {
      list.push_back(document ? document_json(*document) : Json(nullptr));
    }
    return json_response(200, {{"documents", std::move(list)}});
  }

  ApiResponse search(const Collection& target, const Json& body) const {
    check_members(body,
                  {"query", "queries", "vector", "vectors", "k", "filter", "method", "ef_search",
                   "shortlist", "fusion", "include_text"},
                  "search");
    CollectionSearchRequest request;
    int given = 0;
    bool batch = false;
    if (body.contains("query")) {
      ++given;
      const std::string text = string_member(body, "query", "");
      check_text(text, limits_, "query");
      request.queries.push_back({text, {}});
    }
    if (body.contains("queries")) {
      ++given;
      batch = true;
      const Json& list = body["queries"];
      if (!list.is_array() || list.empty()) bad_request("\"queries\" must be a non-empty list");
      check_count(list, "queries");
      for (size_t i = 0; i < list.size(); ++i) {
        if (!list[i].is_string()) bad_request("\"queries\" must hold strings");
        check_text(list[i].get<std::string>(), limits_, fmt::format("queries[{}]", i));
        request.queries.push_back({list[i].get<std::string>(), {}});
      }
    }
    if (body.contains("vector")) {
      ++given;
      request.queries.push_back({{}, vector_of(body["vector"], "vector")});
    }
    if (body.contains("vectors")) {
      ++given;
      batch = true;
      const Json& list = body["vectors"];
      if (!list.is_array() || list.empty()) bad_request("\"vectors\" must be a non-empty list");
      check_count(list, "vectors");
      for (size_t i = 0; i < list.size(); ++i) {
        request.queries.push_back({{}, vector_of(list[i], fmt::format("vectors[{}]", i))});
      }
    }
    if (given != 1) bad_request("give one of \"query\", \"queries\", \"vector\" or \"vectors\"");
    request.k = integer_member(body, "k", 10, 1, limits_.max_k);
    request.method = parse_enum<SearchMethod>(string_member(body, "method", "dense"), "method");
    request.params.ef_search = integer_member(body, "ef_search", 0, 1, kMaxHnswCandidates);
    request.params.shortlist = integer_member(body, "shortlist", 0, 1, kMaxHnswCandidates);
    if (body.contains("fusion")) {
      const Json& fusion = body["fusion"];
      if (!fusion.is_object()) bad_request("\"fusion\" must be an object");
      check_members(fusion, {"method", "weight", "rrf_k", "depth"}, "fusion");
      request.fusion.method =
          parse_enum<FusionMethod>(string_member(fusion, "method", "convex"), "fusion method");
      if (fusion.contains("weight")) {
        if (!fusion["weight"].is_number()) bad_request("\"fusion.weight\" must be a number");
        request.fusion.weight = fusion["weight"].get<double>();
        if (!(request.fusion.weight >= 0 && request.fusion.weight <= 1)) {
          bad_request("\"fusion.weight\" must be in [0, 1]");
        }
      }
      if (fusion.contains("rrf_k")) {
        if (!fusion["rrf_k"].is_number() || fusion["rrf_k"].get<double>() <= 0) {
          bad_request("\"fusion.rrf_k\" must be a positive number");
        }
        request.fusion.rrf_k = fusion["rrf_k"].get<double>();
      }
      request.fusion.depth = integer_member(fusion, "depth", 100, 1, limits_.max_k);
    }
    MetadataFilter filter;
    if (body.contains("filter")) {
      FilterLimits filter_limits;
      filter_limits.max_depth = limits_.max_filter_depth;
      filter = MetadataFilter::parse(body["filter"], filter_limits);
    }
    request.filter = &filter;
    const bool include_text = !body.contains("include_text") || body["include_text"] == true;
    const auto results = target.search(request);
    Json out = Json::array();
    for (const auto& hits : results) {
      Json list = Json::array();
      for (const CollectionHit& hit : hits) {
        Json item = {{"id", hit.id}, {"score", hit.score}, {"metadata", Json::parse(hit.metadata)}};
        if (include_text) item["text"] = hit.text;
        list.push_back(std::move(item));
      }
      out.push_back(std::move(list));
    }
    return json_response(200, {{"results", batch ? std::move(out) : std::move(out[0])}});
  }

  ApiResponse metrics() const {
    std::string gauges;
    gauges += "# HELP tessera_collection_documents Documents in a collection.\n";
    gauges += "# TYPE tessera_collection_documents gauge\n";
    std::string bytes;
    bytes += "# HELP tessera_collection_index_bytes Memory of a collection's vector index.\n";
    bytes += "# TYPE tessera_collection_index_bytes gauge\n";
    for (const std::string& name : registry_.names()) {
      const auto found = registry_.find(name);
      if (found == nullptr) continue;
      const CollectionInfo info = found->info();
      gauges += fmt::format("tessera_collection_documents{{collection=\"{}\"}} {}\n",
                            prometheus_label(name), info.documents);
      bytes += fmt::format("tessera_collection_index_bytes{{collection=\"{}\"}} {}\n",
                           prometheus_label(name), info.index_memory_bytes);
    }
    return {200, "text/plain; version=0.0.4", metrics_.render(gauges + bytes)};
  }

 private:
  void check_count(const Json& list, const char* name) const {
    if (std::ssize(list) > limits_.max_texts) {
      bad_request(fmt::format("\"{}\" holds {}, more than the limit {}", name, list.size(),
                              limits_.max_texts));
    }
  }

  static std::vector<float> vector_of(const Json& value, const std::string& where) {
    if (!value.is_array() || value.empty())
      bad_request("\"" + where + "\" must be a list of numbers");
    std::vector<float> vector;
    for (const Json& number : value) {
      if (!number.is_number()) bad_request("\"" + where + "\" must be a list of numbers");
      vector.push_back(number.get<float>());
    }
    return vector;
  }

  CollectionRegistry& registry_;
  const ApiLimits& limits_;
  Metrics& metrics_;
};

}  // namespace

bool constant_time_equal(const std::string& a, const std::string& b) {
  const size_t n = std::max(a.size(), b.size());
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    difference |= static_cast<unsigned char>(x ^ y);
  }
  return difference == 0;
}

Api::Api(CollectionRegistry& registry, ApiOptions options)
    : registry_(registry), options_(std::move(options)) {}

bool Api::authorized(const std::string& authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.compare(0, kBearer.size(), kBearer) != 0) return false;
  const std::string token = authorization.substr(kBearer.size());
  bool match = false;
  for (const std::string& known : options_.tokens) match |= constant_time_equal(token, known);
  return match;
}

std::string Api::route_of(const std::string& method, const std::string& path) {
  const std::vector<std::string> parts = segments_of(path);
  std::string route = method + " ";
  if (parts.empty()) return route + "/";
  if (parts[0] != "collections") {
    return route + (parts.size() <= 2 && (parts[0] == "v1" || parts.size() == 1) ? path : "other");
  }
  route += "/collections";
  if (parts.size() >= 2) route += "/{name}";
  if (parts.size() >= 3)
    route += "/" + (parts[2] == "documents" || parts[2] == "search" ? parts[2] : "other");
  if (parts.size() >= 4)
    route += parts[3] == "get" || parts[3] == "delete" ? "/" + parts[3] : "/{id}";
  return route;
}

ApiResponse Api::handle(const ApiRequest& request) {
  const Stopwatch watch;
  ApiResponse response;
  try {
    response = dispatch(request);
  } catch (const ApiError& error) {
    response = error_response(error);
  } catch (const Error& error) {
    response = error_response({400, "invalid_request_error", user_message(error.what())});
  } catch (const std::exception& error) {
    response = error_response({500, "server_error", error.what()});
  }
  metrics_.record(route_of(request.method, request.path), response.status, watch.seconds());
  return response;
}

ApiResponse Api::dispatch(const ApiRequest& request) {
  const std::vector<std::string> parts = segments_of(request.path);
  const std::string& method = request.method;
  const bool open = parts.empty() || (parts.size() == 1 && parts[0] == "health");
  if (!options_.tokens.empty() && !open && (options_.protect_reads || is_write(method, parts)) &&
      !authorized(request.authorization)) {
    throw ApiError{401, "authentication_error",
                   request.authorization.empty()
                       ? "this request needs a token: Authorization: Bearer <token>"
                       : "the token is not valid"};
  }
  if (std::ssize(request.body) > options_.limits.max_body_bytes) {
    throw ApiError{413, "invalid_request_error",
                   fmt::format("the body has {} bytes, more than the limit {}", request.body.size(),
                               options_.limits.max_body_bytes)};
  }
  Handlers handlers(registry_, options_, metrics_);
  auto not_allowed = [&]() -> ApiResponse {
    throw ApiError{405, "invalid_request_error",
                   fmt::format("{} is not a method of {}", method, request.path)};
  };
  if (parts.empty()) {
    if (method != "GET") return not_allowed();
    return {200, "text/html; charset=utf-8", std::string(kWebPage)};
  }
  if (parts.size() == 1 && parts[0] == "health") {
    if (method != "GET") return not_allowed();
    return json_response(200, {{"status", "ok"}, {"collections", registry_.names().size()}});
  }
  if (parts.size() == 1 && parts[0] == "metrics") {
    if (method != "GET") return not_allowed();
    return handlers.metrics();
  }
  if (parts.size() == 2 && parts[0] == "v1" && parts[1] == "models") {
    if (method != "GET") return not_allowed();
    return handlers.models();
  }
  if (parts.size() == 2 && parts[0] == "v1" && parts[1] == "embeddings") {
    if (method != "POST") return not_allowed();
    return handlers.embeddings(parse_body(request.body));
  }
  if (parts[0] == "collections") {
    if (parts.size() == 1) {
      if (method == "GET") return handlers.list_collections();
      if (method == "POST") return handlers.create_collection(parse_body(request.body));
      return not_allowed();
    }
    const std::string& name = parts[1];
    if (parts.size() == 2) {
      if (method == "GET")
        return json_response(200, Handlers::info_json(name, *handlers.collection(name)));
      if (method == "DELETE") {
        if (!registry_.drop(name)) {
          throw ApiError{404, "not_found_error", fmt::format("no collection '{}'", name)};
        }
        return json_response(200, {{"deleted", name}});
      }
      return not_allowed();
    }
    const std::shared_ptr<Collection> target = handlers.collection(name);
    if (parts.size() == 3 && parts[2] == "search") {
      if (method != "POST") return not_allowed();
      return handlers.search(*target, parse_body(request.body));
    }
    if (parts[2] == "documents") {
      if (parts.size() == 3) {
        if (method != "POST") return not_allowed();
        return handlers.upsert(*target, parse_body(request.body));
      }
      if (parts.size() == 4 && parts[3] == "get" && method == "POST") {
        return handlers.get_documents(*target, handlers.ids_of(parse_body(request.body)));
      }
      if (parts.size() == 4 && parts[3] == "delete" && method == "POST") {
        const int64_t deleted = target->remove(handlers.ids_of(parse_body(request.body)));
        return json_response(200, {{"deleted", deleted}, {"documents", target->info().documents}});
      }
      // One document by id: the rest of the path, so ids may hold '/' when encoded.
      const std::string prefix = "/collections/" + name + "/documents/";
      const std::string id =
          request.path.size() > prefix.size() ? request.path.substr(prefix.size()) : "";
      if (method == "GET") {
        const auto found = target->get(std::vector<std::string>{id});
        if (!found[0]) {
          throw ApiError{404, "not_found_error", fmt::format("no document '{}' in '{}'", id, name)};
        }
        return json_response(200, Handlers::document_json(*found[0]));
      }
      if (method == "DELETE") {
        const int64_t deleted = target->remove(std::vector<std::string>{id});
        if (deleted == 0) {
          throw ApiError{404, "not_found_error", fmt::format("no document '{}' in '{}'", id, name)};
        }
        return json_response(200, {{"deleted", deleted}, {"documents", target->info().documents}});
      }
      return not_allowed();
    }
  }
  throw ApiError{404, "not_found_error", fmt::format("no route {} {}", method, request.path)};
}

}  // namespace tessera::serve
