// Mulan's multi-label ARFF and its label XML: sparse and dense rows, words as texts, labels by
// name, and every error with its file and line.
#include "tessera/data/arff_reader.h"

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

std::vector<LabeledText> read(const std::string& text,
                              const std::vector<std::string>& labels = {"L_a", "L_b"}) {
  return read_mulan_arff(LineSource::from_memory("x.arff", text), labels);
}

constexpr const char* kHeader =
    "% a comment\n"
    "@RELATION 'tags: x'\n"
    "\n"
    "@attribute graph {0,1}\n"
    "@attribute 'neural net' numeric\n"
    "@attribute L_a {0,1}\n"
    "@Attribute L_b { 1 , 0 }\n"
    "@data\n";

TEST(MulanArff, SparseAndDenseRowsBecomeLabeledTexts) {
  const auto items = read(std::string(kHeader) +
                          "{0 1,1 1,3 1}\n"
                          "% skipped\n"
                          "0,1,1,1\n"
                          "{1 0}\n"
                          "{ 0 '1' , 2 1 }\n");
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].text, "graph neural net");
  EXPECT_THAT(items[0].labels, ElementsAre("L_b"));
  EXPECT_EQ(items[0].line, 9);
  EXPECT_EQ(items[1].text, "neural net");
  EXPECT_THAT(items[1].labels, ElementsAre("L_a", "L_b"));
  EXPECT_EQ(items[1].line, 11);
  EXPECT_EQ(items[2].text, "");  // nothing set: no words, no labels
  EXPECT_TRUE(items[2].labels.empty());
  EXPECT_EQ(items[3].text, "graph");
  EXPECT_THAT(items[3].labels, ElementsAre("L_a"));
}

TEST(MulanArff, Errors) {
  const auto error = [](const std::string& text) {
    return error_message([&] { (void)read(text); });
  };
  const std::string h = kHeader;
  EXPECT_THAT(error("@relation r\n@attribute L_a {0,1}\n"),
              HasSubstr("x.arff:2: expected an @data line, found the end of the file"));
  EXPECT_THAT(error("@relation r\nbad\n"),
              HasSubstr("x.arff:2: expected @relation, @attribute or @data, found 'bad'"));
  EXPECT_THAT(error("@attribute w string\n@data\n"),
              HasSubstr("x.arff:1: expected attribute 'w' of type {0,1} or numeric"));
  EXPECT_THAT(error("@attribute w {0,1}\n@attribute w {0,1}\n"),
              HasSubstr("x.arff:2: expected distinct attribute names, found 'w' again (first on "
                        "line 1)"));
  EXPECT_THAT(error("@attribute 'w {0,1}\n"), HasSubstr("x.arff:1: expected an attribute name"));
  EXPECT_THAT(error("@attribute w {0,1}\n@attribute L_a {0,1}\n@data\n"),
              HasSubstr("x.arff:3: expected an attribute for label 'L_b' of the label file"));
  EXPECT_THAT(error(h + "{4 1}\n"),
              HasSubstr("x.arff:9: expected \"index value\" with an index in [0, 4), found '4 1'"));
  EXPECT_THAT(error(h + "{1 1,0 1}\n"), HasSubstr("x.arff:9: expected indices ascending"));
  EXPECT_THAT(error(h + "{1 1,1 1}\n"), HasSubstr("x.arff:9: expected indices ascending"));
  EXPECT_THAT(error(h + "{1 0.5}\n"),
              HasSubstr("x.arff:9: expected 0 or 1 for attribute 'neural net', found '0.5'"));
  EXPECT_THAT(error(h + "{1 1\n"), HasSubstr("x.arff:9: expected a sparse row ending in '}'"));
  EXPECT_THAT(error(h + "{1 1;2 1}\n"), HasSubstr("x.arff:9: expected 0 or 1"));
  EXPECT_THAT(error(h + "{1 1 2 1}\n"), HasSubstr("x.arff:9: expected ',' between sparse values"));
  EXPECT_THAT(error(h + "0,1,1\n"), HasSubstr("x.arff:9: expected 4 comma-separated values"));
  EXPECT_THAT(error(h + "0,1,1,1,1\n"), HasSubstr("x.arff:9: expected 4 values, found more"));
  EXPECT_THAT(error(h + "0,?,1,1\n"), HasSubstr("expected 0 or 1 for attribute 'neural net'"));
}

TEST(MulanLabels, NamesOfLabelElementsAtAnyDepth) {
  const auto names = read_mulan_labels(LineSource::from_memory(
      "l.xml",
      "<?xml version=\"1.0\"?>\n<labels xmlns=\"http://mulan.sourceforge.net/labels\">\n"
      "<label name=\"TAG_a&amp;b\"></label><label name='x'>\n  <label name=\"x.y\"/>\n"
      "</label>\n</labels>\n"));
  EXPECT_THAT(names, ElementsAre("TAG_a&b", "x", "x.y"));
  const auto error = [](const std::string& text) {
    return error_message([&] { (void)read_mulan_labels(LineSource::from_memory("l.xml", text)); });
  };
  EXPECT_THAT(error("<labels></labels>\n"),
              HasSubstr("l.xml:1: expected <label name=\"...\"> elements, found none"));
  EXPECT_THAT(error("<labels>\n<label id=\"a\">\n"), HasSubstr("l.xml:2: expected <label name="));
  EXPECT_THAT(error("<label name=\"\">\n"), HasSubstr("l.xml:1: expected a quoted, non-empty"));
  EXPECT_THAT(error("<label name=\"a\"/>\n<label name=\"a\"/>\n"),
              HasSubstr("expected each label once, found 'a' twice"));
}

TEST(MulanArff, BibtexFromSharedData) {
  const std::string dir = testing::shared_data("xc/bibtex/mulan_arff");
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "shared data " << dir << " not found";
  const auto labels = read_mulan_labels(LineSource::open(dir + "/bibtex.xml"));
  EXPECT_EQ(labels.size(), 159u);
  const auto items = read_mulan_arff(LineSource::open(dir + "/bibtex-test.arff"), labels);
  EXPECT_EQ(items.size(), 2515u);
  size_t with_labels = 0, label_count = 0;
  for (const LabeledText& item : items) {
    with_labels += !item.labels.empty();
    label_count += item.labels.size();
  }
  EXPECT_EQ(with_labels, items.size());
  EXPECT_NEAR(static_cast<double>(label_count) / static_cast<double>(items.size()), 2.44, 0.01);
}

}  // namespace
}  // namespace tessera
