// The XC repository's sparse format: header, labels, weighted features, and every error with its
// file and line.
#include "tessera/data/xc_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "../core/test_support.h"
#include "data_test_support.h"

namespace tessera {
namespace {

using ::testing::ElementsAre;
using testing::error_message;
using ::testing::HasSubstr;

XcData read(const std::string& text) { return read_xc(LineSource::from_memory("x.txt", text)); }

TEST(XcReader, PointsWithLabelsAndWeightedFeatures) {
  const XcData data = read("3 5 4\n2,0,2 4:0.5 1:2\n 3:1\n3\n");
  EXPECT_EQ(data.features, 5);
  EXPECT_EQ(data.labels, 4);
  ASSERT_EQ(data.points.size(), 3u);
  EXPECT_THAT(data.points[0].labels, ElementsAre(2, 0));       // a repeated label counts once
  EXPECT_THAT(data.points[0].feature_ids, ElementsAre(1, 4));  // ascending
  EXPECT_THAT(data.points[0].values, ElementsAre(2.0f, 0.5f));
  EXPECT_TRUE(data.points[1].labels.empty());  // a point without labels
  EXPECT_EQ(data.points[1].line, 3);
  EXPECT_TRUE(data.points[2].feature_ids.empty());  // and one without features
  // Runs of spaces in the header, and blank lines after the points, are fine.
  EXPECT_EQ(read("1  5 4 \n0 1:1\n\n \n").points.size(), 1u);
}

TEST(XcReader, Errors) {
  const auto error = [](const std::string& text) {
    return error_message([&] { (void)read(text); });
  };
  EXPECT_THAT(error(""), HasSubstr("x.txt: expected a header line"));
  EXPECT_THAT(error("3 5\n"), HasSubstr("x.txt:1: expected a header line \"N D L\""));
  EXPECT_THAT(error("1 5 4\n4 0:1\n"),
              HasSubstr("x.txt:2: expected a label id in [0, 4), found '4'"));
  EXPECT_THAT(error("1 5 4\n1 5:1\n"),
              HasSubstr("x.txt:2: expected a feature id in [0, 5), found '5'"));
  EXPECT_THAT(error("1 5 4\n1 2\n"), HasSubstr("x.txt:2: expected a feature \"id:value\""));
  EXPECT_THAT(error("1 5 4\n1 2:x\n"), HasSubstr("x.txt:2: expected a finite feature value"));
  EXPECT_THAT(error("1 5 4\n1 2:nan\n"), HasSubstr("expected a finite feature value"));
  EXPECT_THAT(error("1 5 4\n1 2:1e40\n"), HasSubstr("expected a finite feature value"));
  EXPECT_THAT(error("1 5 4\n1 2:1 2:3\n"), HasSubstr("x.txt:2: expected each feature once"));
  EXPECT_THAT(error("2 5 4\n1 2:1\n"), HasSubstr("expected the 2 points of the header, found 1"));
  EXPECT_THAT(error("1 5 4\n1 2:1\n0 1:1\n"), HasSubstr("x.txt:3: expected the end of the file"));
}

TEST(XcReader, BibtexFromSharedData) {
  const std::string path = testing::shared_data("xc/bibtex/test.txt");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared data " << path << " not found";
  const XcData data = read_xc(LineSource::open(path));
  EXPECT_EQ(data.points.size(), 2515u);
  EXPECT_EQ(data.features, 1836);
  EXPECT_EQ(data.labels, 159);
  size_t labels = 0;
  for (const XcPoint& p : data.points) labels += p.labels.size();
  EXPECT_NEAR(static_cast<double>(labels) / 2515, 2.44, 0.01);  // SOURCE.md's average
}

}  // namespace
}  // namespace tessera
