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
  EXPECT_FALSE(model.two_towers());
  EXPECT_EQ(model.tower(Tower::kQuery).num_features(), 7 + 32);
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
  EXPECT_TRUE(
      bit_equal(a.tower(Tower::kQuery).table().value, b.tower(Tower::kQuery).table().value));
  ModelOptions other = small_options();
  other.seed = 8;
  const Model c = Model::create(small_config(), small_vocabulary(), other);
  EXPECT_FALSE(
      bit_equal(a.tower(Tower::kQuery).table().value, c.tower(Tower::kQuery).table().value));

  // The draws have roughly the requested spread.
  const std::vector<float> values = a.tower(Tower::kQuery).table().value.to_vector();
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
    model.embed(texts, 0, Tower::kQuery, {"in.jsonl", 41});
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
  EXPECT_TRUE(model.two_towers());
  const Tensor queries = model.embed(kTexts, 0, Tower::kQuery);
  const Tensor documents = model.embed(kTexts, 0, Tower::kDocument);
  EXPECT_TRUE(queries.same_shape(documents));
  EXPECT_FALSE(bit_equal(queries, documents));

  // A shared tower embeds documents with the query table.
  const Model shared = Model::create(small_config(), small_vocabulary(), small_options());
  EXPECT_TRUE(
      bit_equal(shared.embed(kTexts, 0, Tower::kQuery), shared.embed(kTexts, 0, Tower::kDocument)));
}

TEST(Model, ProjectionMapsTableDimToOutputDim) {
  ModelOptions options = small_options();
  options.projection = true;
  options.table_dim = 24;
  const Model model = Model::create(small_config(), small_vocabulary(), options);
  EXPECT_EQ(model.tower(Tower::kQuery).table_dim(), 24);
  EXPECT_EQ(model.dim(), 16);
  const Tensor vectors = model.encode(kTexts);
  EXPECT_EQ(vectors.dim(1), 16);
  // encode = pooled table rows times the projection.
  const Bags bags = model.featurize(kTexts);
  const BagEncoder& tower = model.tower(Tower::kQuery);
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
      EXPECT_EQ(loaded.two_towers(), two_towers);
      EXPECT_EQ(loaded.tower(Tower::kQuery).has_projection(), projection);
      EXPECT_EQ(loaded.tower(Tower::kQuery).pooling(), Pooling::kSqrtN);
      EXPECT_EQ(loaded.provenance(), model.provenance());
      EXPECT_TRUE(loaded.featurizer().config() == model.featurizer().config());
      for (Tower tower : {Tower::kQuery, Tower::kDocument}) {
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
  EXPECT_EQ(metadata.at("format_version"), "1");
  EXPECT_EQ(metadata.at("vocabulary"), R"(["the","cat","on","sat","mat","dog","ran"])");
  EXPECT_EQ(metadata.at("vocabulary_counts"), "[9,5,4,4,3,2,1]");
  EXPECT_THAT(metadata.at("model"), ::testing::HasSubstr(R"("prefixes":[4,8,16])"));
  EXPECT_EQ(FeaturizerConfig::from_json(metadata.at("featurizer")), small_config());
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
