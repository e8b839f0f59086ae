// Fuzzes the HTTP API's request parsing (src/serve/api.h) without a socket: JSON bodies, filters,
// documents, vectors and options, against a small live collection. The first byte picks the
// endpoint; the rest is the body. Any answer is fine but a crash, a 500 or a non-JSON reply.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "../src/serve/api.h"
#include "tessera/text/vocabulary_builder.h"

namespace {

// A model, a registry and a collection of two documents, made once, removed at exit.
struct World {
  std::filesystem::path dir;
  std::unique_ptr<tessera::serve::CollectionRegistry> registry;
  std::unique_ptr<tessera::serve::Api> api;

  World() {
    namespace fs = std::filesystem;
    dir = fs::temp_directory_path() / ("tessera-fuzz-api-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    tessera::FeaturizerConfig config;
    config.buckets = 64;
    tessera::VocabularyBuilder builder{tessera::Tokenizer(config.tokenizer)};
    builder.add_texts(std::vector<std::string>{"cats purr", "dogs bark", "stock market"});
    tessera::ModelOptions options;
    options.dim = 8;
    options.prefixes = {4, 8};
    const std::string model = (dir / "m.safetensors").string();
    tessera::Model::create(config, builder.build({1, 0}), options).save(model);
    registry = std::make_unique<tessera::serve::CollectionRegistry>(
        (dir / "data").string(), std::map<std::string, std::string>{{"m", model}});
    tessera::CollectionOptions collection;
    collection.synchronous = tessera::Synchronous::kNormal;  // the fuzzer writes often
    auto c = registry->create("c", "m", collection);
    c->upsert(std::vector<tessera::CollectionDocument>{
        {"a", "cats purr", R"({"lang": "en", "n": 1})"},
        {"b", "dogs bark", R"({"lang": "de", "n": 2, "tags": ["x", "y"]})"}});
    tessera::serve::ApiOptions api_options;
    api_options.limits.max_k = 50;
    api_options.limits.max_texts = 16;
    api_options.limits.max_documents = 16;
    api = std::make_unique<tessera::serve::Api>(*registry, api_options);
  }

  ~World() {
    api.reset();
    registry.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

World& world() {
  static World instance;
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kRoutes[][2] = {
      {"POST", "/collections/c/search"},           {"POST", "/v1/embeddings"},
      {"POST", "/collections/c/documents"},        {"POST", "/collections/c/documents/get"},
      {"POST", "/collections/c/documents/delete"}, {"GET", "/collections/c/documents/a"}};
  const auto& route = kRoutes[data[0] % (sizeof(kRoutes) / sizeof(kRoutes[0]))];
  tessera::serve::ApiRequest request{
      route[0], route[1], "", std::string(reinterpret_cast<const char*>(data + 1), size - 1)};
  const tessera::serve::ApiResponse response = world().api->handle(request);
  if (response.status >= 500) __builtin_trap();
  if (!nlohmann::json::accept(response.body)) __builtin_trap();
  return 0;
}
