// JsonlReader: field selection, nesting, joining, every malformed line, parallel batches.
#include "tessera/data/jsonl_reader.h"

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

JsonlReader reader_for(const std::string& text, std::vector<std::string> fields,
                       int64_t batch_lines = 4096) {
  JsonlOptions options;
  options.fields = std::move(fields);
  options.batch_lines = batch_lines;
  return JsonlReader(LineSource::from_memory("corpus.jsonl", text), options);
}

std::vector<std::vector<std::string>> read_all(JsonlReader reader) {
  std::vector<std::vector<std::string>> out;
  JsonlRecord record;
  while (reader.next(record)) out.push_back(record.values);
  return out;
}

std::string first_error(const std::string& text, std::vector<std::string> fields = {"text"}) {
  return error_message([&] { read_all(reader_for(text, std::move(fields))); });
}

TEST(JsonlReader, SelectsFieldsNestedAndJoined) {
  const std::string text =
      R"({"_id": "d1", "title": "Title", "text": "Body \u00e9", "meta": {"lang": "en"}})"
      "\n"
      R"({"_id": "d2", "title": "", "text": "Only body", "meta": {"lang": "fr"}})"
      "\n";
  JsonlReader reader = reader_for(text, {"_id", "title+text", "meta.lang"});
  JsonlRecord record;
  ASSERT_TRUE(reader.next(record));
  EXPECT_THAT(record.values, ElementsAre("d1", "Title Body \xC3\xA9", "en"));
  EXPECT_EQ(record.line, 1);
  ASSERT_TRUE(reader.next(record));
  EXPECT_THAT(record.values, ElementsAre("d2", "Only body", "fr"));
  EXPECT_EQ(record.line, 2);
  EXPECT_FALSE(reader.next(record));
}

TEST(JsonlReader, OptionalFieldsAndNullAreAbsent) {
  JsonlReader reader =
      reader_for("{\"q\": \"a\", \"n\": null}\n{\"q\": \"b\", \"n\": \"x\"}\n", {"q", "n?"});
  JsonlRecord record;
  ASSERT_TRUE(reader.next(record));
  EXPECT_THAT(record.present, ElementsAre(1, 0));
  EXPECT_EQ(record.values[1], "");
  ASSERT_TRUE(reader.next(record));
  EXPECT_THAT(record.present, ElementsAre(1, 1));
  EXPECT_EQ(record.values[1], "x");
}

TEST(JsonlReader, SkipsBlankLinesAndCountsThem) {
  JsonlReader reader = reader_for("\n  \n{\"text\": \"a\"}\r\n\n{\"text\": \"b\"}", {"text"});
  JsonlRecord record;
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(record.line, 3);
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(record.line, 5);
  EXPECT_FALSE(reader.next(record));
  EXPECT_TRUE(read_all(reader_for("", {"text"})).empty());
}

TEST(JsonlReader, BomOnFirstLineIsIgnored) {
  EXPECT_THAT(read_all(reader_for("\xEF\xBB\xBF{\"text\": \"a\"}\n", {"text"})),
              ElementsAre(ElementsAre("a")));
}

TEST(JsonlReader, NotAnObject) {
  EXPECT_THAT(first_error("{\"text\": \"a\"}\n[1, 2]\n"),
              HasSubstr("corpus.jsonl:2: expected a JSON object, found '['"));
  EXPECT_THAT(first_error("\"just a string\"\n"),
              HasSubstr("corpus.jsonl:1: expected a JSON object, found '\"'"));
}

TEST(JsonlReader, WrongTypes) {
  EXPECT_THAT(first_error("{\"text\": 42}\n"),
              HasSubstr("corpus.jsonl:1: expected a string for field 'text', found a number"));
  EXPECT_THAT(first_error("{\"text\": [\"a\"]}\n"),
              HasSubstr("expected a string for field 'text', found an array"));
  EXPECT_THAT(first_error("{\"text\": true}\n"),
              HasSubstr("expected a string for field 'text', found a bool"));
  EXPECT_THAT(first_error("{\"a\": \"s\"}\n", {"a.b"}),
              HasSubstr("corpus.jsonl:1: expected an object at 'a', found a string"));
}

TEST(JsonlReader, MissingFields) {
  EXPECT_THAT(first_error("{\"text\": \"a\"}\n{\"body\": \"b\"}\n"),
              HasSubstr("corpus.jsonl:2: expected a field 'text', found none"));
  EXPECT_THAT(first_error("{\"x\": 1}\n", {"title+text"}),
              HasSubstr("expected at least one of the fields 'title+text', found none"));
  EXPECT_THAT(first_error("{\"a\": {}}\n", {"a.b"}), HasSubstr("expected a field 'a.b'"));
}

TEST(JsonlReader, InvalidJson) {
  // A truncated line, a bad escape, a trailing comma, junk after the object, invalid UTF-8.
  for (const std::string line :
       {R"({"text": "abc)", R"({"text": "a\qb"})", R"({"text": "a",})", R"({"text": "a"} x)",
        "{\"text\": \"\xC3\x28\"}", R"({"text": "a")", R"({text: "a"})"}) {
    const std::string message = first_error("{\"text\": \"ok\"}\n" + line + "\n");
    EXPECT_THAT(message, HasSubstr("corpus.jsonl:2: expected valid JSON, found '")) << line;
  }
}

TEST(JsonlReader, ErrorComesAfterEveryEarlierLine) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "{\"text\": \"" + std::to_string(i) + "\"}\n";
  text += "{\"text\": 1}\n";
  JsonlReader reader = reader_for(text, {"text"}, 7);
  JsonlRecord record;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(reader.next(record));
    ASSERT_EQ(record.values[0], std::to_string(i));
  }
  EXPECT_THAT(error_message([&] { reader.next(record); }), HasSubstr("corpus.jsonl:101:"));
}

TEST(JsonlReader, ParallelBatchesKeepFileOrder) {
  testing::ScopedNumThreads threads(4);
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    text +=
        "{\"_id\": \"" + std::to_string(i) + "\", \"text\": \"t" + std::to_string(i * 7) + "\"}\n";
  }
  JsonlReader reader = reader_for(text, {"_id", "text"}, 1000);
  JsonlRecord record;
  int64_t count = 0;
  while (reader.next(record)) {
    ASSERT_EQ(record.values[0], std::to_string(count));
    ASSERT_EQ(record.values[1], "t" + std::to_string(count * 7));
    ASSERT_EQ(record.line, count + 1);
    ++count;
  }
  EXPECT_EQ(count, 20000);
}

TEST(JsonlReader, ReadsGzipAndLongLines) {
  testing::TempDir dir;
  const std::string long_text(1 << 20, 'w');
  const std::string path =
      write_gz(dir, "c.jsonl.gz", "{\"text\": \"" + long_text + "\"}\n{\"text\": \"b\"}\n");
  JsonlReader reader(LineSource::open(path), JsonlOptions{});
  JsonlRecord record;
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(record.values[0], long_text);
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(record.values[0], "b");
}

TEST(JsonlReader, RejectsBadFieldSpecs) {
  EXPECT_THROW(reader_for("", {""}), Error);
  EXPECT_THROW(reader_for("", {"a..b"}), Error);
  EXPECT_THROW(reader_for("", {"a+"}), Error);
  EXPECT_THROW(reader_for("", {}), Error);
}

}  // namespace
}  // namespace tessera
