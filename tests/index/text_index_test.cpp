// TextIndex: each method builds, saves, loads and searches a small corpus with a random model;
// results survive the round trip, and broken directories are clear errors.
#include "tessera/index/text_index.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "../core/test_support.h"
#include "tessera/text/vocabulary_builder.h"

namespace tessera {
namespace {

using testing::error_message;
using testing::TempDir;

std::vector<BeirDocument> corpus() {
  return {{"d1", "Cats", "cats purr and sleep all day", 1},
          {"d2", "Dogs", "dogs bark at the mailman", 2},
          {"d3", "", "the stock market fell sharply today", 3},
          {"d4", "Birds", "birds sing in the morning", 4},
          {"d5", "Fish", "fish swim in the sea", 5}};
}

std::shared_ptr<const Model> small_model(const std::vector<BeirDocument>& docs) {
  FeaturizerConfig config;
  config.buckets = 256;
  VocabularyBuilder builder{Tokenizer(config.tokenizer)};
  std::vector<std::string> texts;
  for (const BeirDocument& doc : docs) texts.push_back(doc.title + " " + doc.text);
  builder.add_texts(texts);
  ModelOptions options;
  options.dim = 32;
  options.prefixes = {8, 32};
  return std::make_shared<const Model>(Model::create(config, builder.build({1, 0}), options));
}

TEST(TextIndex, EveryMethodRoundTripsThroughItsDirectory) {
  const std::vector<BeirDocument> docs = corpus();
  const auto model = small_model(docs);
  TempDir dir;
  const std::string model_path = dir.file("model.safetensors");
  model->save(model_path);
  const std::vector<std::string> queries = {"dogs bark", "stock market", "purring cats"};
  for (const char* name : {"flat", "int8", "binary", "hnsw", "funnel", "bm25", "hybrid"}) {
    TextIndexOptions options;
    options.method = parse_text_index_method(name);
    options.funnel_dim = 8;
    const bool vectors = uses_vectors(options.method);
    const TextIndex index =
        TextIndex::build(docs, vectors ? model : nullptr, vectors ? model_path : "", options);
    const std::string path = dir.file(name);
    index.save(path);
    const TextIndex loaded = TextIndex::load(path);  // the model found through the manifest
    EXPECT_EQ(loaded.method(), options.method) << name;
    ASSERT_EQ(loaded.documents().size(), 5u);
    EXPECT_EQ(loaded.documents()[2].text, "the stock market fell sharply today");
    const auto before = index.search(queries, 3);
    const auto after = loaded.search(queries, 3);
    ASSERT_EQ(before.size(), 3u);
    for (size_t q = 0; q < queries.size(); ++q) {
      ASSERT_EQ(before[q].size(), after[q].size()) << name;
      for (size_t j = 0; j < before[q].size(); ++j) {
        EXPECT_EQ(before[q][j].doc, after[q][j].doc) << name;
        EXPECT_FLOAT_EQ(before[q][j].score, after[q][j].score) << name;
      }
    }
    // Word overlap finds the right document first, lexically or through random word vectors.
    EXPECT_EQ(after[0][0].doc, 1) << name;
    EXPECT_EQ(after[1][0].doc, 2) << name;
  }
}

TEST(TextIndex, ErrorsNameWhatIsWrong) {
  const std::vector<BeirDocument> docs = corpus();
  TempDir dir;
  TextIndexOptions options;
  EXPECT_NE(error_message([&] {
              (void)TextIndex::build(docs, nullptr, "", options);
            }).find("needs a model"),
            std::string::npos);
  EXPECT_NE(error_message([&] { (void)TextIndex::load(dir.file("nothing")); }).find("manifest"),
            std::string::npos);
  const auto model = small_model(docs);
  options.dim = 64;
  EXPECT_NE(error_message([&] {
              (void)TextIndex::build(docs, model, "m", options);
            }).find("outside the model's"),
            std::string::npos);
  options.dim = 0;
  const std::string model_path = dir.file("model.safetensors");
  model->save(model_path);
  TextIndex::build(docs, model, model_path, options).save(dir.file("flat"));
  std::filesystem::remove(model_path);
  EXPECT_NE(error_message([&] { (void)TextIndex::load(dir.file("flat")); }).find("is missing"),
            std::string::npos);
  dir.write("flat/manifest.json", "{\"format\": \"tessera-text-index\", \"version\": 9}");
  EXPECT_NE(
      error_message([&] { (void)TextIndex::load(dir.file("flat"), model); }).find("version 9"),
      std::string::npos);
}

}  // namespace
}  // namespace tessera
