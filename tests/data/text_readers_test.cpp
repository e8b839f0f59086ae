// Plain text, fastText labels, labeled TSV, training pairs and STS scored pairs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../core/test_support.h"
#include "data_test_support.h"
#include "tessera/data/labeled_text_reader.h"
#include "tessera/data/pair_reader.h"
#include "tessera/data/plain_text_reader.h"

namespace tessera {
namespace {

using ::testing::ElementsAre;
using testing::error_message;
using ::testing::HasSubstr;

LineSource memory(const std::string& name, const std::string& text) {
  return LineSource::from_memory(name, text);
}

TEST(PlainTextReader, OneItemPerLineSkippingBlanks) {
  PlainTextReader reader(memory("p.txt", "one\n\n  \ntwo\r\n"));
  TextLine item;
  ASSERT_TRUE(reader.next(item));
  EXPECT_EQ(item.text, "one");
  ASSERT_TRUE(reader.next(item));
  EXPECT_EQ(item.text, "two");
  EXPECT_EQ(item.line, 4);
  EXPECT_FALSE(reader.next(item));
  PlainTextReader keep(memory("p.txt", "a\n\nb"), PlainTextOptions{false});
  int count = 0;
  while (keep.next(item)) ++count;
  EXPECT_EQ(count, 3);
}

TEST(FastTextReader, LabelsThenText) {
  FastTextReader reader(
      memory("l.txt", "__label__a __label__b  Some text here \n\n__label__c x\n"));
  LabeledText item;
  ASSERT_TRUE(reader.next(item));
  EXPECT_THAT(item.labels, ElementsAre("a", "b"));
  EXPECT_EQ(item.text, "Some text here");
  ASSERT_TRUE(reader.next(item));
  EXPECT_THAT(item.labels, ElementsAre("c"));
  EXPECT_EQ(item.line, 3);
  EXPECT_FALSE(reader.next(item));
}

TEST(FastTextReader, Errors) {
  auto read_all = [](const std::string& text) {
    FastTextReader reader(memory("l.txt", text));
    LabeledText item;
    while (reader.next(item)) {
    }
  };
  EXPECT_THAT(error_message([&] { read_all("__label__a ok\nno label here\n"); }),
              HasSubstr("l.txt:2: expected a line starting with a '__label__' label, found "
                        "'no label here'"));
  EXPECT_THAT(error_message([&] { read_all("__label__ text\n"); }),
              HasSubstr("l.txt:1: expected a label name after '__label__', found nothing"));
  EXPECT_THAT(error_message([&] { read_all("__label__a\n"); }),
              HasSubstr("l.txt:1: expected text after the labels, found none"));
  FastTextReader custom(memory("l.txt", "#x words\n"), FastTextOptions{"#", false});
  LabeledText item;
  ASSERT_TRUE(custom.next(item));
  EXPECT_THAT(item.labels, ElementsAre("x"));
}

TEST(LabeledDelimitedReader, TsvAndAgNewsStyleCsv) {
  LabeledDelimitedReader tsv(memory("l.tsv", "pos\tgreat film\nneg\tbad\n"),
                             DelimitedOptions::tsv(), Column::at(0), {Column::at(1)});
  LabeledText item;
  ASSERT_TRUE(tsv.next(item));
  EXPECT_THAT(item.labels, ElementsAre("pos"));
  EXPECT_EQ(item.text, "great film");
  LabeledDelimitedReader csv(memory("n.csv", "\"3\",\"Title\",\"Body, text\"\n"),
                             DelimitedOptions::csv(), Column::at(0),
                             {Column::at(1), Column::at(2)});
  ASSERT_TRUE(csv.next(item));
  EXPECT_THAT(item.labels, ElementsAre("3"));
  EXPECT_EQ(item.text, "Title Body, text");
  LabeledDelimitedReader empty(memory("e.tsv", "\ttext\n"), DelimitedOptions::tsv(), Column::at(0),
                               {Column::at(1)});
  EXPECT_THAT(error_message([&] { empty.next(item); }),
              HasSubstr("e.tsv:1: expected a label, found an empty label column"));
}

TEST(PairReader, JsonlPairsAndTriplets) {
  PairReader reader =
      PairReader::jsonl(memory("p.jsonl",
                               "{\"query\": \"q1\", \"positive\": \"p1\", \"negative\": \"n1\"}\n"
                               "{\"query\": \"q2\", \"positive\": \"p2\"}\n"));
  TextPair pair;
  ASSERT_TRUE(reader.next(pair));
  EXPECT_EQ(pair.query, "q1");
  EXPECT_EQ(pair.positive, "p1");
  EXPECT_TRUE(pair.has_negative);
  EXPECT_EQ(pair.negative, "n1");
  ASSERT_TRUE(reader.next(pair));
  EXPECT_FALSE(pair.has_negative);
  EXPECT_EQ(pair.negative, "");
  EXPECT_EQ(pair.line, 2);
  EXPECT_FALSE(reader.next(pair));
}

TEST(PairReader, RenamedFieldsAndErrors) {
  PairReader renamed =
      PairReader::jsonl(memory("p.jsonl", "{\"anchor\": \"a\", \"pos\": \"b\", \"neg\": \"c\"}\n"),
                        PairFields{"anchor", "pos", "neg"});
  TextPair pair;
  ASSERT_TRUE(renamed.next(pair));
  EXPECT_EQ(pair.negative, "c");
  PairReader missing = PairReader::jsonl(memory("p.jsonl", "{\"query\": \"q\"}\n"));
  EXPECT_THAT(error_message([&] { missing.next(pair); }),
              HasSubstr("p.jsonl:1: expected a field 'positive', found none"));
}

TEST(PairReader, TsvTriplets) {
  PairColumns columns;
  columns.negative = Column::at(2);
  PairReader reader =
      PairReader::delimited(memory("t.tsv", "q\tp\tn\nq2\tp2\n"), DelimitedOptions::tsv(), columns);
  TextPair pair;
  ASSERT_TRUE(reader.next(pair));
  EXPECT_EQ(pair.negative, "n");
  EXPECT_TRUE(pair.has_negative);
  EXPECT_THAT(error_message([&] { reader.next(pair); }),
              HasSubstr("t.tsv:2: expected 3 columns, found 2"));
}

TEST(ScoredPairReader, ScoresMustBeNumbers) {
  ScoredPairReader reader(memory("s.tsv", "a\tb\t4.5\nc\td\thigh\n"), DelimitedOptions::tsv());
  ScoredPair pair;
  ASSERT_TRUE(reader.next(pair));
  EXPECT_EQ(pair.first, "a");
  EXPECT_DOUBLE_EQ(pair.score, 4.5);
  EXPECT_THAT(error_message([&] { reader.next(pair); }),
              HasSubstr("s.tsv:2: expected a number for the score, found 'high'"));
  ScoredPairReader nan(memory("s.tsv", "a\tb\tnan\n"), DelimitedOptions::tsv());
  EXPECT_THROW(nan.next(pair), Error);
}

TEST(ScoredPairReader, StsBenchmarkFromSharedData) {
  const std::string dir = testing::shared_data("sts/stsb");
  if (!std::filesystem::exists(dir + "/sts-test.csv")) GTEST_SKIP() << "no " << dir;
  const std::vector<std::pair<std::string, int64_t>> files = {
      {"sts-train.csv", 5749}, {"sts-dev.csv", 1500}, {"sts-test.csv", 1379}};
  for (const auto& [name, expected] : files) {
    ScoredPairReader reader = ScoredPairReader::stsb(LineSource::open(dir + "/" + name));
    ScoredPair pair;
    int64_t count = 0;
    while (reader.next(pair)) {
      ASSERT_GE(pair.score, 0.0);
      ASSERT_LE(pair.score, 5.0);
      if (count == 0 && name == "sts-train.csv") {
        EXPECT_EQ(pair.first, "A plane is taking off.");
        EXPECT_EQ(pair.second, "An air plane is taking off.");
        EXPECT_DOUBLE_EQ(pair.score, 5.0);
      }
      ++count;
    }
    EXPECT_EQ(count, expected) << name;
  }
}

}  // namespace
}  // namespace tessera
