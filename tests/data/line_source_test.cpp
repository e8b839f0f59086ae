// LineSource: line ends, BOM, gzip by magic bytes, truncation, long lines, streams.
#include "tessera/data/line_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../core/test_support.h"
#include "data_test_support.h"
#include "tessera/core/check.h"
#include "tessera/data/source_error.h"

namespace tessera {
namespace {

using ::testing::ElementsAre;
using testing::error_message;
using ::testing::HasSubstr;
using testing::TempDir;

std::vector<std::string> all_lines(LineSource source) {
  std::vector<std::string> lines;
  std::string_view line;
  while (source.next(line)) lines.emplace_back(line);
  return lines;
}

TEST(SourceError, MessageHasFileLineExpectedFound) {
  EXPECT_EQ(source_error_message("train.tsv", 3, "3 columns", "2"),
            "train.tsv:3: expected 3 columns, found 2");
  EXPECT_EQ(source_error_message("x.txt", 0, "a readable file", "No such file"),
            "x.txt: expected a readable file, found No such file");
  EXPECT_EQ(quote_found("a\tb\x01"), "'a\\tb\\x01'");
  EXPECT_EQ(quote_found(std::string(100, 'x'), 3), "'xxx...'");
}

TEST(LineSource, SplitsLinesAndCountsThem) {
  LineSource source = LineSource::from_memory("m", "a\nbb\n\nccc");
  std::string_view line;
  ASSERT_TRUE(source.next(line));
  EXPECT_EQ(line, "a");
  EXPECT_EQ(source.line_number(), 1);
  ASSERT_TRUE(source.next(line));
  EXPECT_EQ(line, "bb");
  ASSERT_TRUE(source.next(line));
  EXPECT_EQ(line, "");
  ASSERT_TRUE(source.next(line));
  EXPECT_EQ(line, "ccc");  // last line without a newline
  EXPECT_EQ(source.line_number(), 4);
  EXPECT_FALSE(source.next(line));
  EXPECT_FALSE(source.next(line));
}

TEST(LineSource, EmptyInputHasNoLines) {
  EXPECT_TRUE(all_lines(LineSource::from_memory("m", "")).empty());
  EXPECT_THAT(all_lines(LineSource::from_memory("m", "\n")), ElementsAre(""));
}

TEST(LineSource, StripsCrlfAndBomOnlyAtStart) {
  EXPECT_THAT(all_lines(LineSource::from_memory("m", "\xEF\xBB\xBFone\r\ntwo\r\n\xEF\xBB\xBFx")),
              ElementsAre("one", "two", "\xEF\xBB\xBFx"));
  EXPECT_THAT(all_lines(LineSource::from_memory("m", "\xEF\xBB\xBF")), ElementsAre(""));
}

TEST(LineSource, RepairsInvalidUtf8OnlyWhenAsked) {
  const std::string bytes = "{\"text\": \"a \xff b\"}\nok\n";
  EXPECT_THAT(all_lines(LineSource::from_memory("m", bytes)),
              ElementsAre("{\"text\": \"a \xff b\"}", "ok"));
  LineSource repaired = LineSource::from_memory("m", bytes);
  repaired.set_invalid_utf8(InvalidUtf8::kReplace);
  EXPECT_THAT(all_lines(std::move(repaired)),
              ElementsAre("{\"text\": \"a \xEF\xBF\xBD b\"}", "ok"));
}

TEST(LineSource, KeepsUnicodeBytes) {
  EXPECT_THAT(all_lines(LineSource::from_memory("m", "caf\xC3\xA9\n\xE4\xB8\xAD\xE6\x96\x87\n")),
              ElementsAre("caf\xC3\xA9", "\xE4\xB8\xAD\xE6\x96\x87"));
}

TEST(LineSource, ReadsVeryLongLinesAcrossBufferRefills) {
  const std::string long_line(1 << 20, 'q');
  const std::string text = "short\n" + long_line + "\nend\n";
  const auto lines = all_lines(LineSource::from_memory("m", text));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], long_line);
  EXPECT_EQ(lines[2], "end");
}

TEST(LineSource, RejectsLinesOverTheCap) {
  std::string bytes = "ok\n";
  bytes.append(300000, 'x').append("\n");
  LineSource source = LineSource::from_memory("big.txt", bytes);
  source.set_max_line_bytes(100000);
  std::string_view line;
  ASSERT_TRUE(source.next(line));
  const std::string message = error_message([&] { source.next(line); });
  EXPECT_THAT(message, HasSubstr("big.txt:2: expected a line of at most 100000 bytes"));
}

TEST(LineSource, ReadsFilesAndStreams) {
  TempDir dir;
  const std::string path = dir.write("plain.txt", "x\ny\n");
  EXPECT_THAT(all_lines(LineSource::open(path)), ElementsAre("x", "y"));
  std::istringstream stream("s1\r\ns2");
  LineSource source = LineSource::from_stream("stream", stream);
  EXPECT_EQ(source.name(), "stream");
  EXPECT_THAT(all_lines(std::move(source)), ElementsAre("s1", "s2"));
}

TEST(LineSource, MissingFileErrorNamesThePath) {
  const std::string message =
      error_message([] { LineSource::open("/nonexistent/tessera/corpus.jsonl"); });
  EXPECT_THAT(message, HasSubstr("/nonexistent/tessera/corpus.jsonl: expected a readable file"));
}

TEST(LineSource, ReadsGzipByMagicNotByName) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 50000; ++i) text += "line " + std::to_string(i) + "\r\n";
  const std::string path = write_gz(dir, "no_extension", "\xEF\xBB\xBF" + text);
  LineSource source = LineSource::open(path);
  std::string_view line;
  int64_t count = 0;
  while (source.next(line)) {
    ASSERT_EQ(line, "line " + std::to_string(count));
    ++count;
  }
  EXPECT_EQ(count, 50000);
  EXPECT_TRUE(source.compressed());
  // A plain file called .gz is read as plain text.
  LineSource plain = LineSource::open(dir.write("plain.gz", "a\n"));
  EXPECT_THAT(all_lines(std::move(plain)), ElementsAre("a"));
}

TEST(LineSource, ReadsConcatenatedGzipMembersAndEmptyGzip) {
  TempDir dir;
  std::ifstream first(write_gz(dir, "a.gz", "one\ntw"), std::ios::binary);
  std::ifstream second(write_gz(dir, "b.gz", "o\nthree\n"), std::ios::binary);
  std::stringstream both;
  both << first.rdbuf() << second.rdbuf();
  EXPECT_THAT(all_lines(LineSource::from_memory("ab.gz", both.str())),
              ElementsAre("one", "two", "three"));
  EXPECT_TRUE(all_lines(LineSource::open(write_gz(dir, "empty.gz", ""))).empty());
}

TEST(LineSource, TruncatedGzipIsAnError) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "row " + std::to_string(i) + "\n";
  std::ifstream in(write_gz(dir, "full.gz", text), std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string gz = bytes.str();
  const std::string cut = gz.substr(0, gz.size() / 2);
  const std::string message =
      error_message([&] { all_lines(LineSource::from_memory("cut.gz", cut)); });
  EXPECT_THAT(message, HasSubstr("cut.gz:"));
  EXPECT_THAT(message, HasSubstr("expected more gzip data, found the end of the file"));
}

TEST(LineSource, CorruptGzipIsAnError) {
  using namespace std::string_literals;
  const std::string bytes = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-not-deflate"s;
  const std::string message =
      error_message([&] { all_lines(LineSource::from_memory("bad.gz", bytes)); });
  EXPECT_THAT(message, HasSubstr("bad.gz:1: expected valid gzip data, found corrupt data"));
}

}  // namespace
}  // namespace tessera
