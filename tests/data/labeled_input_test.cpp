// Labeled texts of every format a classification verb reads: fastText lines, JSONL with a label
// or a list of labels, TSV / CSV with label and text columns by index or by header name.
#include "tessera/data/labeled_input.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "../core/test_support.h"

namespace tessera {
namespace {

using ::testing::ElementsAre;
using testing::error_message;
using ::testing::HasSubstr;

std::vector<LabeledText> read(const std::string& text, LabeledFormat format,
                              LabeledInputOptions options = {}) {
  return read_labeled_texts(LineSource::from_memory("in", text), format, options);
}

TEST(LabeledInput, FastTextLinesWithOptionalLabels) {
  const auto items =
      read("__label__a __label__b two labels\n\n__label__c one\n", LabeledFormat::kFastText);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_THAT(items[0].labels, ElementsAre("a", "b"));
  EXPECT_EQ(items[0].text, "two labels");
  EXPECT_EQ(items[1].line, 3);
  // Texts to predict may come without labels; training texts may not.
  LabeledInputOptions predict;
  predict.labels_optional = true;
  const auto texts = read("just a text\n__label__x labeled\n", LabeledFormat::kFastText, predict);
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_TRUE(texts[0].labels.empty());
  EXPECT_EQ(texts[0].text, "just a text");
  EXPECT_THAT(error_message([] { (void)read("just a text\n", LabeledFormat::kFastText); }),
              HasSubstr("in:1: expected a line starting with a '__label__' label"));
  LabeledInputOptions fields;
  fields.field = "text";
  EXPECT_THAT(
      error_message([&] { (void)read("__label__a x\n", LabeledFormat::kFastText, fields); }),
      HasSubstr("need a JSONL, TSV or CSV input"));
}

TEST(LabeledInput, JsonlLabelsAsStringsOrLists) {
  LabeledInputOptions options;
  options.label_field = "tags";
  options.field = "title+body.text";
  const auto items = read(
      R"({"tags": ["sports", "news"], "title": "Final", "body": {"text": "won 3-1"}}
{"tags": "arts", "title": "Opera"}
)",
      LabeledFormat::kJsonl, options);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_THAT(items[0].labels, ElementsAre("sports", "news"));
  EXPECT_EQ(items[0].text, "Final won 3-1");
  EXPECT_THAT(items[1].labels, ElementsAre("arts"));
  EXPECT_EQ(items[1].text, "Opera");
  EXPECT_EQ(items[1].line, 2);
  // The defaults: "label" and "text".
  EXPECT_THAT(read(R"({"label": "x", "text": "t"})", LabeledFormat::kJsonl)[0].labels,
              ElementsAre("x"));
  const auto bad = [&](const std::string& line) {
    return error_message([&] {
      (void)read("{\"tags\": \"ok\", \"title\": \"t\"}\n" + line, LabeledFormat::kJsonl, options);
    });
  };
  EXPECT_THAT(bad(R"({"tags": [1], "title": "t"})"),
              HasSubstr("in:2: expected \"tags\" as a label name or a list of them, found '1'"));
  EXPECT_THAT(bad(R"({"tags": "", "title": "t"})"),
              HasSubstr("in:2: expected \"tags\" as a label"));
  EXPECT_THAT(bad(R"({"title": "t"})"), HasSubstr("in:2: expected a label in \"tags\""));
  EXPECT_THAT(bad(R"({"tags": "a", "title": 5})"),
              HasSubstr("in:2: expected \"title\" as a string"));
  EXPECT_THAT(bad(R"({"tags": "a"})"), HasSubstr("in:2: expected a text field"));
  EXPECT_THAT(bad(R"({"tags": "a", "title": "t")"), HasSubstr("in:2: expected a JSON object"));
  EXPECT_THAT(bad("[1, 2]"), HasSubstr("in:2: expected a JSON object"));
}

TEST(LabeledInput, DelimitedColumnsByIndexOrName) {
  LabeledInputOptions ag;
  ag.field = "1,2";
  const auto news = read("\"3\",\"Title\",\"Body, text\"\n", LabeledFormat::kCsv, ag);
  ASSERT_EQ(news.size(), 1u);
  EXPECT_THAT(news[0].labels, ElementsAre("3"));
  EXPECT_EQ(news[0].text, "Title Body, text");
  LabeledInputOptions named;
  named.label_field = "polarity";
  named.field = "sentence";
  const auto rows =
      read("id\tsentence\tpolarity\n7\tgreat film\tpos\n", LabeledFormat::kTsv, named);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_THAT(rows[0].labels, ElementsAre("pos"));
  EXPECT_EQ(rows[0].text, "great film");
  EXPECT_EQ(rows[0].line, 2);
  EXPECT_THAT(error_message([] { (void)read("pos\tok\n\tno label\n", LabeledFormat::kTsv); }),
              HasSubstr("in:2: expected a label, found an empty label column"));
  LabeledInputOptions predict;
  predict.labels_optional = true;
  EXPECT_TRUE(read("\tno label\n", LabeledFormat::kTsv, predict)[0].labels.empty());
}

TEST(LabeledInput, FormatFromTheFileName) {
  testing::TempDir dir;
  std::ofstream(dir.file("a.jsonl")) << R"({"label": "x", "text": "from json"})"
                                     << "\n";
  std::ofstream(dir.file("a.txt")) << "__label__y from fasttext\n";
  LabeledInputOptions options;
  options.path = dir.file("a.jsonl");
  EXPECT_EQ(read_labeled_texts(options)[0].text, "from json");
  options.path = dir.file("a.txt");
  EXPECT_THAT(read_labeled_texts(options)[0].labels, ElementsAre("y"));
}

TEST(LabeledInput, ArffNeedsItsLabelXml) {
  testing::TempDir dir;
  std::ofstream(dir.file("a.arff"))
      << "@attribute w {0,1}\n@attribute TAG_t {0,1}\n@data\n{0 1,1 1}\n";
  std::ofstream(dir.file("a.xml")) << "<labels><label name=\"TAG_t\"></label></labels>\n";
  LabeledInputOptions options;
  options.path = dir.file("a.arff");
  EXPECT_THAT(error_message([&] { (void)read_labeled_texts(options); }),
              HasSubstr("a.arff: an ARFF input needs the Mulan XML that names its labels "
                        "(--arff-labels FILE.xml)"));
  options.arff_labels = dir.file("a.xml");
  const auto items = read_labeled_texts(options);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].text, "w");
  EXPECT_THAT(items[0].labels, ElementsAre("TAG_t"));
  options.path = dir.file("a.xml");
  EXPECT_THAT(error_message([&] { (void)read_labeled_texts(options); }),
              HasSubstr("--arff-labels is for an ARFF input"));
}

}  // namespace
}  // namespace tessera
