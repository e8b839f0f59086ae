// DelimitedReader: TSV, RFC 4180 CSV (quotes, doubled quotes, line breaks), headers, columns.
#include "tessera/data/delimited_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../core/test_support.h"
#include "data_test_support.h"

namespace tessera {
namespace {

using ::testing::ElementsAre;
using testing::error_message;
using ::testing::HasSubstr;

struct Row {
  std::vector<std::string> values;
  int64_t line;
};

std::vector<Row> read_all(const std::string& name, const std::string& text,
                          DelimitedOptions options) {
  DelimitedReader reader(LineSource::from_memory(name, text), std::move(options));
  std::vector<Row> rows;
  DelimitedRecord record;
  while (reader.next(record)) rows.push_back({record.values, record.line});
  return rows;
}

std::string read_error(const std::string& name, const std::string& text, DelimitedOptions options) {
  return error_message([&] { read_all(name, text, options); });
}

TEST(DelimitedReader, PlainTsvKeepsQuotesAndEmptyFields) {
  const auto rows = read_all("a.tsv", "a\t\"b\"\tc\r\n\t\t\n", DelimitedOptions::tsv());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[0].values, ElementsAre("a", "\"b\"", "c"));
  EXPECT_THAT(rows[1].values, ElementsAre("", "", ""));
}

TEST(DelimitedReader, WrongColumnCountNamesLineAndCounts) {
  EXPECT_THAT(read_error("train.tsv", "q\td\t1\nq\td\t1\nq\td\n", DelimitedOptions::tsv()),
              HasSubstr("train.tsv:3: expected 3 columns, found 2"));
  EXPECT_THAT(read_error("train.tsv", "q\td\t1\nq\td\t1\tx\n", DelimitedOptions::tsv()),
              HasSubstr("train.tsv:2: expected 3 columns, found 4"));
  DelimitedOptions at_least = DelimitedOptions::tsv();
  at_least.columns = 3;
  at_least.allow_extra_columns = true;
  EXPECT_THAT(read_error("x.tsv", "a\tb\tc\td\na\tb\n", at_least),
              HasSubstr("x.tsv:2: expected at least 3 columns, found 2"));
}

TEST(DelimitedReader, HeaderSelectsColumnsByNameAndIndex) {
  DelimitedOptions options = DelimitedOptions::tsv();
  options.has_header = true;
  options.select = {Column::named("text"), Column::at(0)};
  const auto rows = read_all("h.tsv", "id\ttext\n1\tone\n\n2\ttwo\n", options);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[0].values, ElementsAre("one", "1"));
  EXPECT_EQ(rows[0].line, 2);
  EXPECT_THAT(rows[1].values, ElementsAre("two", "2"));
  EXPECT_EQ(rows[1].line, 4);
  options.select = {Column::named("body")};
  EXPECT_THAT(read_error("h.tsv", "id\ttext\n1\tone\n", options),
              HasSubstr("h.tsv:1: expected a column named 'body' in the header, found 'id', "
                        "'text'"));
  options.select = {Column::at(5)};
  EXPECT_THAT(read_error("h.tsv", "id\ttext\n1\tone\n", options),
              HasSubstr("h.tsv:1: expected at least 6 columns to select column 5, found 2"));
}

TEST(DelimitedReader, NameWithoutHeaderIsAnError) {
  DelimitedOptions options = DelimitedOptions::tsv();
  options.select = {Column::named("text")};
  EXPECT_THROW(DelimitedReader(LineSource::from_memory("m", ""), options), Error);
}

TEST(DelimitedReader, EmptyFileAndHeaderOnly) {
  EXPECT_TRUE(read_all("e.tsv", "", DelimitedOptions::tsv()).empty());
  DelimitedOptions options = DelimitedOptions::csv();
  options.has_header = true;
  EXPECT_TRUE(read_all("h.csv", "a,b\n", options).empty());
}

TEST(DelimitedReader, CsvQuotingPerRfc4180) {
  const std::string text =
      "plain,\"quoted, with comma\",\"say \"\"hi\"\"\"\r\n"
      "\"multi\nline\r\nfield\",\"\",x\n"
      "a,b,\"c\"\n";
  const auto rows = read_all("q.csv", text, DelimitedOptions::csv());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_THAT(rows[0].values, ElementsAre("plain", "quoted, with comma", "say \"hi\""));
  EXPECT_THAT(rows[1].values, ElementsAre("multi\nline\nfield", "", "x"));
  EXPECT_EQ(rows[1].line, 2);
  EXPECT_THAT(rows[2].values, ElementsAre("a", "b", "c"));
  EXPECT_EQ(rows[2].line, 5);  // the quoted line breaks still count as lines
}

TEST(DelimitedReader, CsvBadQuotes) {
  const auto csv = DelimitedOptions::csv();
  EXPECT_THAT(read_error("b.csv", "a,b\n\"open,c\nmore\n", csv),
              HasSubstr("b.csv:3: expected a closing quote for the field opened on line 2, "
                        "found the end of the input"));
  EXPECT_THAT(read_error("b.csv", "\"ab\"x,c\n", csv),
              HasSubstr("b.csv:1: expected a separator or the end of the line after a closing "
                        "quote, found 'x'"));
  EXPECT_THAT(read_error("b.csv", "a,b\"c\n", csv),
              HasSubstr("b.csv:1: expected a quote only at the start of a field (RFC 4180), "
                        "found 'b\"c'"));
}

TEST(DelimitedReader, CsvColumnCountAfterMultilineRecord) {
  EXPECT_THAT(read_error("m.csv", "a,b\n\"x\ny\",z\nonly\n", DelimitedOptions::csv()),
              HasSubstr("m.csv:4: expected 2 columns, found 1"));
}

TEST(DelimitedReader, AgNewsCsvFromSharedData) {
  const std::string path = testing::shared_data("classification/ag_news/test.csv");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
  DelimitedReader reader(LineSource::open(path), DelimitedOptions::csv());
  DelimitedRecord record;
  int64_t count = 0;
  while (reader.next(record)) {
    ASSERT_EQ(record.values.size(), 3u);
    ++count;
  }
  EXPECT_EQ(count, 7600);
}

}  // namespace
}  // namespace tessera
