// Model files of format versions 1 and 2 (tests/model/fixtures, written by earlier tesseras)
// load and embed exactly as the tessera that wrote them did.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "tessera/core/vector_io.h"
#include "tessera/model/model.h"

namespace tessera {
namespace {

const std::string kFixtures = TESSERA_TEST_FIXTURES_DIR;

std::vector<std::string> fixture_texts() {
  std::ifstream in(kFixtures + "/v1_texts.txt");
  std::vector<std::string> texts;
  for (std::string line; std::getline(in, line);) texts.push_back(line);
  return texts;
}

// The vectors must equal the stored ones: the same features, weights and towers. Only the order
// of the float sums may differ, with the SIMD kernels a CPU gets and the optimization level of a
// build (1e-6 on unit vectors is that rounding; any real difference is far larger).
void expect_embeds_as_stored(const Model& model, int64_t dim, std::string_view tower,
                             const std::string& npy) {
  const NpyArray expected = read_npy(kFixtures + "/" + npy);
  const Tensor actual = model.embed(fixture_texts(), dim, tower);
  ASSERT_EQ(actual.rows(), expected.rows) << npy;
  ASSERT_EQ(actual.cols(), expected.cols) << npy;
  for (int64_t r = 0; r < actual.rows(); ++r) {
    for (int64_t c = 0; c < actual.cols(); ++c) {
      EXPECT_NEAR(actual.row(r)[c], expected.floats.row(r)[c], 1e-6)
          << npy << " row " << r << " col " << c;
    }
  }
}

TEST(ModelV1Fixture, SharedTowerLoadsAndEmbedsAsWritten) {
  const Model model = Model::load(kFixtures + "/v1_shared.safetensors");
  EXPECT_EQ(model.dim(), 16);
  EXPECT_EQ(model.prefixes(), (std::vector<int64_t>{8, 16}));
  EXPECT_TRUE(model.shared(kQueryTower, kDocumentTower));
  expect_embeds_as_stored(model, 0, kQueryTower, "v1_shared.query.npy");
  expect_embeds_as_stored(model, 8, kQueryTower, "v1_shared.query8.npy");
  // One shared tower: documents embed as queries do.
  expect_embeds_as_stored(model, 0, kDocumentTower, "v1_shared.query.npy");
}

TEST(ModelV1Fixture, TwoTowersWithProjectionsLoadAndEmbedAsWritten) {
  const Model model = Model::load(kFixtures + "/v1_two_towers.safetensors");
  EXPECT_EQ(model.dim(), 16);
  EXPECT_EQ(model.prefixes(), (std::vector<int64_t>{4, 16}));
  EXPECT_FALSE(model.shared(kQueryTower, kDocumentTower));
  expect_embeds_as_stored(model, 0, kQueryTower, "v1_two_towers.query.npy");
  expect_embeds_as_stored(model, 0, kDocumentTower, "v1_two_towers.document.npy");
  expect_embeds_as_stored(model, 4, kDocumentTower, "v1_two_towers.document4.npy");
}

// Version 2: named towers, no checksum.
TEST(ModelV2Fixture, LoadsWithoutChecksumAndEmbedsAsWritten) {
  const Model model = Model::load(kFixtures + "/v2_shared.safetensors");
  EXPECT_EQ(model.dim(), 16);
  EXPECT_EQ(model.prefixes(), (std::vector<int64_t>{8, 16}));
  EXPECT_TRUE(model.shared(kQueryTower, kDocumentTower));
  expect_embeds_as_stored(model, 0, kQueryTower, "v2_shared.query.npy");
}

}  // namespace
}  // namespace tessera
