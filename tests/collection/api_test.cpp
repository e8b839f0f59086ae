// The HTTP API without a socket: OpenAI's embeddings shape (floats equal to Model::embed,
// base64 the same bytes), every auth case, every limit, and the collection endpoints' answers
// and error statuses.
#include "../../src/serve/api.h"

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "../core/test_support.h"
#include "tessera/text/vocabulary_builder.h"

namespace tessera::serve {
namespace {

using nlohmann::json;
using testing::TempDir;

constexpr const char* kToken = "0123456789abcdef-token";

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FeaturizerConfig config;
    config.buckets = 256;
    VocabularyBuilder builder{Tokenizer(config.tokenizer)};
    builder.add_texts(std::vector<std::string>{"cats purr", "dogs bark", "stock market"});
    ModelOptions options;
    options.dim = 16;
    options.prefixes = {8, 16};
    model_path_ = dir_.file("m.safetensors");
    Model::create(config, builder.build({1, 0}), options).save(model_path_);
    registry_ = std::make_unique<CollectionRegistry>(
        dir_.file("data"), std::map<std::string, std::string>{{"m", model_path_}});
  }

  Api make_api(ApiOptions options = {}) { return Api(*registry_, std::move(options)); }

  static json body_of(const ApiResponse& response) { return json::parse(response.body); }

  TempDir dir_;
  std::string model_path_;
  std::unique_ptr<CollectionRegistry> registry_;
};

ApiRequest post(const std::string& path, const json& body, const std::string& token = "") {
  return {"POST", path, token.empty() ? "" : "Bearer " + token, body.dump()};
}

ApiRequest get(const std::string& path, const std::string& token = "") {
  return {"GET", path, token.empty() ? "" : "Bearer " + token, ""};
}

TEST_F(ApiTest, EmbeddingsAsOpenAiGivesThem) {
  Api api = make_api();
  const ApiResponse response = api.handle(
      post("/v1/embeddings", {{"input", {"cats purr", "stock market"}}, {"model", "m"}}));
  ASSERT_EQ(response.status, 200) << response.body;
  const json out = body_of(response);
  EXPECT_EQ(out["object"], "list");
  EXPECT_EQ(out["model"], "m");
  EXPECT_EQ(out["usage"]["prompt_tokens"], 4);
  const Tensor expected = registry_->model("m")->model->embed({"cats purr", "stock market"});
  ASSERT_EQ(out["data"].size(), 2u);
  for (int64_t i = 0; i < 2; ++i) {
    EXPECT_EQ(out["data"][i]["index"], i);
    const auto vector = out["data"][i]["embedding"].get<std::vector<float>>();
    ASSERT_EQ(vector.size(), 16u);
    for (int64_t d = 0; d < 16; ++d) EXPECT_EQ(vector[d], expected.row(i)[d]);
  }
  // A Matryoshka prefix, base64 of the float32 bytes.
  const json prefix = body_of(api.handle(post(
      "/v1/embeddings",
      {{"input", "cats purr"}, {"model", "m"}, {"dimensions", 8}, {"encoding_format", "base64"}})));
  const std::string encoded = prefix["data"][0]["embedding"];
  EXPECT_EQ(encoded.size(), 44u);  // 32 bytes
  const Tensor cut = registry_->model("m")->model->embed({"cats purr"}, 8);
  const json as_floats = body_of(api.handle(
      post("/v1/embeddings", {{"input", "cats purr"}, {"model", "m"}, {"dimensions", 8}})));
  for (int64_t d = 0; d < 8; ++d)
    EXPECT_EQ(as_floats["data"][0]["embedding"][d].get<float>(), cut.row(0)[d]);

  auto status = [&](const json& body) { return api.handle(post("/v1/embeddings", body)).status; };
  EXPECT_EQ(status({{"input", "x"}}), 400);                      // no model
  EXPECT_EQ(status({{"input", "x"}, {"model", "other"}}), 404);  // unknown model
  EXPECT_EQ(status({{"input", {1, 2}}, {"model", "m"}}), 400);   // token arrays
  EXPECT_EQ(status({{"input", "x"}, {"model", "m"}, {"dimensions", 17}}), 400);
  EXPECT_EQ(status({{"input", "x"}, {"model", "m"}, {"encoding_format", "hex"}}), 400);
  EXPECT_EQ(status({{"input", "x"}, {"model", "m"}, {"temperature", 1}}), 400);  // unknown member
  EXPECT_EQ(status({{"model", "m"}}), 400);
  EXPECT_EQ(api.handle(get("/v1/embeddings")).status, 405);
  const json models = body_of(api.handle(get("/v1/models")));
  EXPECT_EQ(models["data"][0]["id"], "m");
  EXPECT_EQ(models["data"][0]["dimensions"], 16);
}

TEST_F(ApiTest, WritesNeedTheTokenAndReadsWhenProtected) {
  ApiOptions options;
  options.tokens = {kToken};
  Api api = make_api(options);
  const json create = {{"name", "c"}, {"model", "m"}};
  const ApiResponse none = api.handle(post("/collections", create));
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(body_of(none)["error"]["type"], "authentication_error");
  EXPECT_EQ(api.handle(post("/collections", create, "0123456789abcdef-tokeN")).status, 401);
  EXPECT_EQ(api.handle({"POST", "/collections", kToken, create.dump()}).status, 401);  // no Bearer
  EXPECT_EQ(api.handle(post("/collections", create, kToken)).status, 201);
  EXPECT_EQ(
      api.handle(post("/collections/c/documents", {{"documents", {{{"id", "a"}, {"text", "x"}}}}}))
          .status,
      401);
  EXPECT_EQ(api.handle({"DELETE", "/collections/c", "", ""}).status, 401);
  // Reads are open without --protect-reads.
  EXPECT_EQ(api.handle(post("/collections/c/search", {{"query", "x"}})).status, 200);
  EXPECT_EQ(api.handle(get("/collections")).status, 200);

  options.protect_reads = true;
  Api guarded = make_api(options);
  EXPECT_EQ(guarded.handle(post("/collections/c/search", {{"query", "x"}})).status, 401);
  EXPECT_EQ(guarded.handle(post("/v1/embeddings", {{"input", "x"}, {"model", "m"}})).status, 401);
  EXPECT_EQ(guarded.handle(get("/metrics")).status, 401);
  EXPECT_EQ(guarded.handle(post("/collections/c/search", {{"query", "x"}}, kToken)).status, 200);
  EXPECT_EQ(guarded.handle(get("/health")).status, 200);  // health checks need no token
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
}

TEST_F(ApiTest, EveryLimitIsA4xx) {
  ApiOptions options;
  options.limits.max_texts = 2;
  options.limits.max_text_bytes = 10;
  options.limits.max_documents = 2;
  options.limits.max_k = 5;
  options.limits.max_body_bytes = 200;
  options.limits.max_filter_depth = 2;
  Api api = make_api(options);
  ASSERT_EQ(api.handle(post("/collections", {{"name", "c"}, {"model", "m"}})).status, 201);
  auto message = [&](const ApiRequest& request, int status) {
    const ApiResponse response = api.handle(request);
    EXPECT_EQ(response.status, status) << response.body;
    return body_of(response)["error"]["message"].get<std::string>();
  };
  EXPECT_NE(message(post("/v1/embeddings", {{"input", {"a", "b", "c"}}, {"model", "m"}}), 400)
                .find("more than the limit 2"),
            std::string::npos);
  EXPECT_NE(message(post("/v1/embeddings", {{"input", "eleven bytes"}, {"model", "m"}}), 400)
                .find("limit of 10"),
            std::string::npos);
  const json three = {
      {{"id", "a"}, {"text", "x"}}, {{"id", "b"}, {"text", "x"}}, {{"id", "c"}, {"text", "x"}}};
  EXPECT_NE(message(post("/collections/c/documents", {{"documents", three}}), 400).find("limit 2"),
            std::string::npos);
  EXPECT_NE(message(post("/collections/c/search", {{"query", "x"}, {"k", 6}}), 400)
                .find("\"k\" must be in [1, 5]"),
            std::string::npos);
  EXPECT_NE(
      message(post("/collections/c/search",
                   {{"query", "x"}, {"filter", {{"$not", {{"$not", {{"$not", {{"a", 1}}}}}}}}}}),
              400)
          .find("deeper than 2"),
      std::string::npos);
  EXPECT_NE(
      message({"POST", "/collections/c/search", "", std::string(201, ' ')}, 413).find("limit 200"),
      std::string::npos);
  EXPECT_NE(message(post("/collections/c/search", {{"query", "x"}, {"kk", 1}}), 400)
                .find("unknown member \"kk\""),
            std::string::npos);
  EXPECT_NE(message({"POST", "/collections/c/search", "", "{not json"}, 400).find("not valid JSON"),
            std::string::npos);
}

TEST_F(ApiTest, CollectionsAndDocuments) {
  Api api = make_api();
  EXPECT_EQ(api.handle(post("/collections", {{"name", "../etc"}, {"model", "m"}})).status, 400);
  EXPECT_EQ(api.handle(post("/collections", {{"name", "c"}, {"model", "nope"}})).status, 400);
  ASSERT_EQ(
      api.handle(post("/collections", {{"name", "c"}, {"model", "m"}, {"index", "int8"}})).status,
      201);
  EXPECT_EQ(api.handle(post("/collections", {{"name", "c"}, {"model", "m"}})).status, 409);
  const json docs = {{{"id", "a"}, {"text", "cats purr"}, {"metadata", {{"lang", "en"}}}},
                     {{"id", "b"}, {"text", "dogs bark"}, {"metadata", {{"lang", "de"}}}},
                     {{"id", "c/1"}, {"text", "stock market"}}};
  const json written = body_of(api.handle(post("/collections/c/documents", {{"documents", docs}})));
  EXPECT_EQ(written["added"], 3);
  EXPECT_EQ(written["documents"], 3);
  // A bad document fails the whole batch.
  EXPECT_EQ(
      api.handle(post("/collections/c/documents",
                      {{"documents", {{{"id", "z"}, {"text", "x"}}, {{"id", ""}, {"text", "x"}}}}}))
          .status,
      400);
  EXPECT_EQ(body_of(api.handle(get("/collections/c")))["documents"], 3);

  const json hits = body_of(api.handle(post(
      "/collections/c/search", {{"query", "cats purr"}, {"k", 3}, {"filter", {{"lang", "de"}}}})));
  ASSERT_EQ(hits["results"].size(), 1u);
  EXPECT_EQ(hits["results"][0]["id"], "b");
  EXPECT_EQ(hits["results"][0]["metadata"]["lang"], "de");
  const json batch = body_of(
      api.handle(post("/collections/c/search",
                      {{"queries", {"cats purr", "dogs bark"}}, {"k", 1}, {"method", "bm25"}})));
  EXPECT_EQ(batch["results"][0][0]["id"], "a");
  EXPECT_EQ(batch["results"][1][0]["id"], "b");
  EXPECT_EQ(api.handle(post("/collections/c/search", {{"query", "x"}, {"vector", {1.0}}})).status,
            400);
  EXPECT_EQ(api.handle(post("/collections/c/search", {{"query", "x"}, {"method", "magic"}})).status,
            400);

  EXPECT_EQ(body_of(api.handle(get("/collections/c/documents/c/1")))["text"], "stock market");
  EXPECT_EQ(api.handle(get("/collections/c/documents/nope")).status, 404);
  const json got = body_of(api.handle(post("/collections/c/documents/get", {{"ids", {"a", "x"}}})));
  EXPECT_EQ(got["documents"][0]["id"], "a");
  EXPECT_TRUE(got["documents"][1].is_null());
  EXPECT_EQ(body_of(api.handle(
                post("/collections/c/documents/delete", {{"ids", {"a", "x"}}})))["deleted"],
            1);
  EXPECT_EQ(api.handle({"DELETE", "/collections/c/documents/b", "", ""}).status, 200);
  EXPECT_EQ(api.handle({"DELETE", "/collections/c/documents/b", "", ""}).status, 404);
  EXPECT_EQ(api.handle(get("/collections/none")).status, 404);
  EXPECT_EQ(api.handle(get("/nowhere")).status, 404);

  const ApiResponse metrics = api.handle(get("/metrics"));
  EXPECT_EQ(metrics.content_type.rfind("text/plain", 0), 0u);
  EXPECT_NE(metrics.body.find("tessera_collection_documents{collection=\"c\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("route=\"POST /collections/{name}/search\",status=\"200\""),
            std::string::npos);
  EXPECT_NE(api.handle(get("/")).body.find("<title>tessera</title>"), std::string::npos);

  EXPECT_EQ(api.handle({"DELETE", "/collections/c", "", ""}).status, 200);
  EXPECT_EQ(api.handle(get("/collections/c")).status, 404);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("data/c")));
}

TEST(ApiRoutes, MetricsLabelsAreRoutesNotPaths) {
  EXPECT_EQ(Api::route_of("POST", "/collections/abc/search"), "POST /collections/{name}/search");
  EXPECT_EQ(Api::route_of("GET", "/collections/abc/documents/x/y"),
            "GET /collections/{name}/documents/{id}");
  EXPECT_EQ(Api::route_of("POST", "/v1/embeddings"), "POST /v1/embeddings");
  EXPECT_EQ(Api::route_of("GET", "/some/random/path/here"), "GET other");
  EXPECT_EQ(Api::route_of("GET", "/"), "GET /");
}

}  // namespace
}  // namespace tessera::serve
