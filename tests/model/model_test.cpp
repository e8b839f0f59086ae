// Model: creation, embedding (prefixes, normalization, towers, threads) and save/load.
#include "tessera/model/model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <thread>

#include "model_test_support.h"
#include "tessera/core/check.h"
#include "tessera/model/bag_encoder.h"
#include "tessera/model/id_encoder.h"
#include "tessera/model/safetensors.h"

namespace tessera {
namespace {

using testing::small_config;
using testing::small_options;
using testing::small_vocabulary;
using testing::TempDir;

const std::vector<std::string> kTexts = {"the cat sat on the mat", "the dog ran",
                                         "a cat and a dog",        "",
                                         "unknown words only",     "mat mat mat"};

bool bit_equal(const Tensor& a, const Tensor& b) {
  if (!a.same_shape(b)) return false;
  const std::vector<float> x = a.to_vector();
  const std::vector<float> y = b.to_vector();
  return std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

// The bag encoder of a tower (every tower of these tests is one).
const BagEncoder& bag(const Model& model, std::string_view tower = kQueryTower) {
  return dynamic_cast<const BagEncoder&>(model.tower(tower));
}

double row_norm(const Tensor& t, int64_t r, int64_t cols) {
  double sum = 0;
  for (int64_t c = 0; c < cols; ++c) sum += double(t.row(r)[c]) * t.row(r)[c];
  return std::sqrt(sum);
}

TEST(Model, CreateShapesAndDefaults) {
  ModelOptions options;
  Model model = Model::create(small_config(), small_vocabulary(), options);
  EXPECT_EQ(model.dim(), 256);
  EXPECT_EQ(model.prefixes(), (std::vector<int64_t>{32, 64, 128, 256}));
  EXPECT_TRUE(model.shared(kQueryTower, kDocumentTower));
  EXPECT_EQ(model.tower(kQueryTower).input_size(), 7 + 32);
  EXPECT_EQ(model.tower(kQueryTower).kind(), "bag");
  EXPECT_EQ(model.encoders().size(), 1u);
  EXPECT_THAT(model.provenance(), ::testing::HasSubstr("tessera_version"));

  options.dim = 100;
  EXPECT_EQ(Model::create(small_config(), small_vocabulary(), options).prefixes(),
            (std::vector<int64_t>{100}));
}

TEST(Model, RejectsBadOptions) {
  ModelOptions options = small_options();
  options.dim = 2048;
  EXPECT_THROW(Model::create(small_config(), small_vocabulary(), options), Error);
  options = small_options();
  options.prefixes = {8, 4, 16};
  EXPECT_THROW(Model::create(small_config(), small_vocabulary(), options), Error);
  options.prefixes = {4, 8};
  EXPECT_THROW(Model::create(small_config(), small_vocabulary(), options), Error);
  options = small_options();
  options.provenance = "[1, 2]";
  EXPECT_THROW(Model::create(small_config(), small_vocabulary(), options), Error);
}

TEST(Model, InitIsDeterministicInTheSeed) {
  const Model a = Model::create(small_config(), small_vocabulary(), small_options());
  const Model b = Model::create(small_config(), small_vocabulary(), small_options());
  EXPECT_TRUE(bit_equal(bag(a).table().value, bag(b).table().value));
  ModelOptions other = small_options();
  other.seed = 8;
  const Model c = Model::create(small_config(), small_vocabulary(), other);
  EXPECT_FALSE(bit_equal(bag(a).table().value, bag(c).table().value));

  // The draws have roughly the requested spread.
  const std::vector<float> values = bag(a).table().value.to_vector();
  double sum_squares = 0;
  for (float v : values) sum_squares += double(v) * v;
  EXPECT_NEAR(std::sqrt(sum_squares / double(values.size())), 0.1, 0.02);
}

TEST(Model, EmbedRowsAreUnitLengthPerPrefix) {
  const Model model = Model::create(small_config(), small_vocabulary(), small_options());
  for (int64_t dim : {0, 4, 8, 16, 5}) {
    const Tensor vectors = model.embed(kTexts, dim);
    const int64_t cols = dim == 0 ? 16 : dim;
    ASSERT_EQ(vectors.dim(0), static_cast<int64_t>(kTexts.size()));
    ASSERT_EQ(vectors.dim(1), cols);
    for (int64_t r = 0; r < vectors.dim(0); ++r) {
      if (r == 3) {
        EXPECT_EQ(row_norm(vectors, r, cols), 0.0) << "an empty text embeds to zero";
      } else {
        EXPECT_NEAR(row_norm(vectors, r, cols), 1.0, 1e-5) << "dim " << dim << " row " << r;
      }
    }
  }
  EXPECT_THROW(model.embed(kTexts, 17), Error);
  EXPECT_THROW(model.embed(kTexts, -1), Error);
  EXPECT_EQ(model.embed({}).dim(0), 0);
}

// Errors about one text name its line when the caller says where the batch starts.
TEST(Model, EmbedErrorsNameTheTextsLine) {
  const Model model = Model::create(small_config(), small_vocabulary(), small_options());
  const std::vector<std::string> texts = {"the cat", "the dog", "bad \xff byte", "mat"};
  const std::string located = testing::error_message([&] {
    model.embed(texts, 0, kQueryTower, {"in.jsonl", 41});
  });
  EXPECT_THAT(located, ::testing::StartsWith("in.jsonl:43: invalid UTF-8 at byte offset 4"));
  const std::string plain = testing::error_message([&] { model.embed(texts); });
  EXPECT_THAT(plain, ::testing::StartsWith("invalid UTF-8"));
}

TEST(Model, EmbedPrefixIsNormalizedPrefixOfFullVector) {
  const Model model = Model::create(small_config(), small_vocabulary(), small_options());
  const Tensor full = model.encode(kTexts);
  const Tensor cut = model.embed(kTexts, 8);
  for (int64_t r = 0; r < full.dim(0); ++r) {
    const double norm = row_norm(full, r, 8);
    for (int64_t c = 0; c < 8; ++c) {
      const double expected = norm > 0 ? full.row(r)[c] / norm : 0.0;
      EXPECT_NEAR(cut.row(r)[c], expected, 1e-6) << r << "," << c;
    }
  }
}

TEST(Model, NoNormalizationKeepsRawPrefix) {
  ModelOptions options = small_options();
  options.normalization = Normalization::kNone;
  const Model model = Model::create(small_config(), small_vocabulary(), options);
  EXPECT_TRUE(bit_equal(model.embed(kTexts, 4), model.encode(kTexts).prefix_cols(4).clone()));
}

TEST(Model, TwoTowersDiffer) {
  ModelOptions options = small_options();
  options.two_towers = true;
  const Model model = Model::create(small_config(), small_vocabulary(), options);
  EXPECT_FALSE(model.shared(kQueryTower, kDocumentTower));
  const Tensor queries = model.embed(kTexts, 0, kQueryTower);
  const Tensor documents = model.embed(kTexts, 0, kDocumentTower);
  EXPECT_TRUE(queries.same_shape(documents));
  EXPECT_FALSE(bit_equal(queries, documents));

  // A shared tower embeds documents with the query table.
  const Model shared = Model::create(small_config(), small_vocabulary(), small_options());
  EXPECT_TRUE(
      bit_equal(shared.embed(kTexts, 0, kQueryTower), shared.embed(kTexts, 0, kDocumentTower)));
}

TEST(Model, ProjectionMapsTableDimToOutputDim) {
  ModelOptions options = small_options();
  options.projection = true;
  options.table_dim = 24;
  const Model model = Model::create(small_config(), small_vocabulary(), options);
  EXPECT_EQ(bag(model).table_dim(), 24);
  EXPECT_EQ(model.dim(), 16);
  const Tensor vectors = model.encode(kTexts);
  EXPECT_EQ(vectors.dim(1), 16);
  // encode = pooled table rows times the projection.
  const Bags bags = model.featurize(kTexts);
  const BagEncoder& tower = bag(model);
  Tensor pooled = Tensor::empty({bags.size(), 24});
  embedding_bag_forward(tower.table().value, bags, Pooling::kMean, pooled);
  for (int64_t r = 0; r < vectors.dim(0); ++r) {
    for (int64_t c = 0; c < 16; ++c) {
      double expected = 0;
      for (int64_t k = 0; k < 24; ++k) {
        expected += double(pooled.row(r)[k]) * tower.projection().value.row(k)[c];
      }
      EXPECT_NEAR(vectors.row(r)[c], expected, 1e-5);
    }
  }
}

TEST(Model, SaveLoadRoundTripIsBitIdentical) {
  TempDir dir;
  for (bool two_towers : {false, true}) {
    for (bool projection : {false, true}) {
      ModelOptions options = small_options();
      options.two_towers = two_towers;
      options.projection = projection;
      options.pooling = Pooling::kSqrtN;
      options.provenance = R"({"data": "unit test", "options": {"epochs": 3}})";
      const Model model = Model::create(small_config(), small_vocabulary(), options);
      const std::string path = dir.file("model.safetensors");
      model.save(path);
      const Model loaded = Model::load(path);
      EXPECT_EQ(loaded.dim(), model.dim());
      EXPECT_EQ(loaded.prefixes(), model.prefixes());
      EXPECT_EQ(loaded.shared(kQueryTower, kDocumentTower), !two_towers);
      EXPECT_EQ(loaded.towers(), model.towers());
      EXPECT_EQ(bag(loaded).has_projection(), projection);
      EXPECT_EQ(bag(loaded).pooling(), Pooling::kSqrtN);
      EXPECT_EQ(loaded.provenance(), model.provenance());
      EXPECT_TRUE(loaded.featurizer().config() == model.featurizer().config());
      for (const std::string_view tower : {kQueryTower, kDocumentTower}) {
        for (int64_t dim : {0, 4, 8}) {
          EXPECT_TRUE(bit_equal(loaded.embed(kTexts, dim, tower), model.embed(kTexts, dim, tower)));
        }
      }
      // No temporary file is left beside the model.
      EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                              std::filesystem::directory_iterator()),
                1);
    }
  }
}

TEST(Model, MetadataIsReadableAlone) {
  TempDir dir;
  const Model model = Model::create(small_config(), small_vocabulary(), small_options());
  model.save(dir.file("m.safetensors"));
  const auto metadata = read_safetensors_metadata(dir.file("m.safetensors"));
  EXPECT_EQ(metadata.at("format"), "tessera");
  EXPECT_EQ(metadata.at("format_version"), "3");
  EXPECT_EQ(metadata.at("vocabulary"), R"(["the","cat","on","sat","mat","dog","ran"])");
  EXPECT_EQ(metadata.at("vocabulary_counts"), "[9,5,4,4,3,2,1]");
  EXPECT_THAT(metadata.at("model"), ::testing::HasSubstr(R"("prefixes":[4,8,16])"));
  EXPECT_EQ(FeaturizerConfig::from_json(metadata.at("featurizer")), small_config());
}

TEST(Model, MetadataNamesTowersAndEncoders) {
  TempDir dir;
  ModelOptions options = small_options();
  options.two_towers = true;
  options.id_towers = {{"label", 5}};
  Model::create(small_config(), small_vocabulary(), options).save(dir.file("m.safetensors"));
  const auto metadata = read_safetensors_metadata(dir.file("m.safetensors"));
  EXPECT_THAT(
      metadata.at("model"),
      ::testing::HasSubstr(R"("towers":{"document":"document","label":"label","query":"query"})"));
  EXPECT_THAT(metadata.at("model"),
              ::testing::HasSubstr(R"("label":{"config":{"dim":16,"ids":5},"kind":"id"})"));
  const SafetensorsHeader header = read_safetensors_header(dir.file("m.safetensors"));
  std::vector<std::string> names;
  for (const auto& [name, entry] : header.tensors) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"document.table", "label.table", "query.table"}));
}

TEST(Model, IdTowersEmbedIdsBesideTextTowers) {
  ModelOptions options = small_options();
  options.id_towers = {{"label", 3}};
  const Model model = Model::create(small_config(), small_vocabulary(), options);
  EXPECT_EQ(model.tower("label").kind(), "id");
  EXPECT_EQ(model.tower("label").input_size(), 3);
  const std::vector<int32_t> ids = {2, 0, 2};
  const Tensor labels = model.embed_input(EncoderInput::of_ids(ids), 0, "label");
  ASSERT_EQ(labels.rows(), 3);
  EXPECT_TRUE(bit_equal(labels.slice_rows(0, 1).clone(), labels.slice_rows(2, 3).clone()));
  for (int64_t r = 0; r < 3; ++r) EXPECT_NEAR(row_norm(labels, r, 16), 1.0, 1e-5);
  // The same rows as the table's, normalized.
  const auto& table = dynamic_cast<const IdEncoder&>(model.tower("label")).table().value;
  const double norm = row_norm(table, 2, 16);
  for (int64_t c = 0; c < 16; ++c) EXPECT_NEAR(labels.row(0)[c], table.row(2)[c] / norm, 1e-6);
  // Ids are not texts, and an unknown tower is named with the model's towers.
  EXPECT_THAT(testing::error_message([&] { (void)model.embed(kTexts, 0, "label"); }),
              ::testing::HasSubstr("embeds ids, not texts"));
  EXPECT_THAT(testing::error_message([&] { (void)model.tower("entity"); }),
              ::testing::HasSubstr("no tower 'entity' (its towers: document, label, query)"));
  EXPECT_THROW((void)model.embed_input(EncoderInput::of_ids(std::vector<int32_t>{3}), 0, "label"),
               Error);
  // It survives save and load.
  TempDir dir;
  model.save(dir.file("m.safetensors"));
  const Model loaded = Model::load(dir.file("m.safetensors"));
  EXPECT_TRUE(bit_equal(loaded.embed_input(EncoderInput::of_ids(ids), 0, "label"), labels));
  EXPECT_TRUE(bit_equal(loaded.embed(kTexts), model.embed(kTexts)));
}

TEST(Model, IdTowerRowsKeepTheirNames) {
  ModelOptions options = small_options();
  options.id_towers = {{"label", 3}, {"entity", 2}};
  options.id_names = {{"label", {"sports", "news", "arts"}}};
  const Model model = Model::create(small_config(), small_vocabulary(), options);
  TempDir dir;
  model.save(dir.file("m.safetensors"));
  const Model loaded = Model::load(dir.file("m.safetensors"));
  EXPECT_EQ(dynamic_cast<const IdEncoder&>(loaded.tower("label")).names(),
            (std::vector<std::string>{"sports", "news", "arts"}));
  EXPECT_TRUE(dynamic_cast<const IdEncoder&>(loaded.tower("entity")).names().empty());
  // One distinct, non-empty name per id, and only for id towers.
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{"a", "b"}, {"a", "b", "a"}, {"a", "", "c"}}) {
    options.id_names = {{"label", bad}};
    EXPECT_THROW((void)Model::create(small_config(), small_vocabulary(), options), Error);
  }
  options.id_names = {{"query", {"x"}}};
  EXPECT_THAT(testing::error_message(
                  [&] { (void)Model::create(small_config(), small_vocabulary(), options); }),
              ::testing::HasSubstr("'query', which is no id tower"));
}

TEST(Model, ExtrasAreStoredAndSkippedByLoad) {
  TempDir dir;
  const Model model = Model::create(small_config(), small_vocabulary(), small_options());
  ModelFileExtras extras;
  extras.metadata["run_state"] = "{\"step\": 3}";
  extras.tensors.emplace("run.moment", Tensor::full({2, 3}, 1.5f));
  model.save(dir.file("m.safetensors"), extras);
  const Model loaded = Model::load(dir.file("m.safetensors"));
  EXPECT_TRUE(bit_equal(loaded.embed(kTexts), model.embed(kTexts)));
  const SafetensorsContents contents = read_safetensors(dir.file("m.safetensors"));
  EXPECT_EQ(contents.metadata.at("run_state"), "{\"step\": 3}");
  EXPECT_EQ(contents.tensors.at("run.moment").to_vector(), std::vector<float>(6, 1.5f));
  // Extras may not pass for the model's own keys or tensors.
  ModelFileExtras clash;
  clash.metadata["model"] = "{}";
  EXPECT_THROW(model.save(dir.file("x.safetensors"), clash), Error);
  clash = {};
  clash.tensors.emplace("query.table", Tensor::zeros({1, 1}));
  EXPECT_THROW(model.save(dir.file("x.safetensors"), clash), Error);
}

TEST(Model, ConcurrentEmbedMatchesSerial) {
  const Model model = Model::create(small_config(), small_vocabulary(), small_options());
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) texts.push_back(kTexts[size_t(i) % kTexts.size()] + " the");
  const Tensor expected = model.embed(texts, 8);
  std::vector<std::thread> threads;
  std::vector<int> ok(6, 0);
  for (size_t t = 0; t < ok.size(); ++t) {
    threads.emplace_back([&, t] {
      bool all = true;
      for (int repeat = 0; repeat < 10; ++repeat)
        all = all && bit_equal(model.embed(texts, 8), expected);
      ok[t] = all ? 1 : 0;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int value : ok) EXPECT_EQ(value, 1);
}

TEST(Model, SaveIntoMissingDirectoryThrowsAndLeavesNothing) {
  TempDir dir;
  const Model model = Model::create(small_config(), small_vocabulary(), small_options());
  const std::string path = dir.file("missing/model.safetensors");
  EXPECT_THROW(model.save(path), Error);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "missing"));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(Model, FailedSaveKeepsThePreviousFile) {
  TempDir dir;
  const Model model = Model::create(small_config(), small_vocabulary(), small_options());
  const std::string path = dir.file("model.safetensors");
  model.save(path);
  const std::string before = testing::read_file_text(path);
  // A directory where the temporary file must go makes the write fail midway.
  std::filesystem::create_directory(path + ".tmp-" + std::to_string(::getpid()));
  ModelOptions options = small_options();
  options.seed = 99;
  EXPECT_THROW(Model::create(small_config(), small_vocabulary(), options).save(path), Error);
  EXPECT_EQ(testing::read_file_text(path), before);
  EXPECT_TRUE(bit_equal(Model::load(path).embed(kTexts), model.embed(kTexts)));
}

}  // namespace
}  // namespace tessera
