// BEIR directories: the real SciFact copy, and broken ones (unknown ids, duplicates, bad scores).
#include "tessera/data/beir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <unordered_set>

#include "../core/test_support.h"
#include "data_test_support.h"

namespace tessera {
namespace {

using testing::error_message;
using ::testing::HasSubstr;
using testing::TempDir;

TEST(Beir, LoadsSciFact) {
  const std::string dir = testing::shared_data("beir/scifact");
  if (!std::filesystem::exists(dir + "/corpus.jsonl")) GTEST_SKIP() << "no " << dir;
  const BeirDataset data = load_beir(dir);
  // Counts from SOURCE.md (the published BEIR numbers).
  ASSERT_EQ(data.corpus.size(), 5183u);
  EXPECT_EQ(data.queries.size(), 1109u);
  EXPECT_EQ(data.corpus[0].id, "4983");
  EXPECT_EQ(data.corpus[0].title.substr(0, 27), "Microstructural development");
  EXPECT_EQ(data.corpus[0].text.substr(0, 20), "Alterations of the a");
  ASSERT_EQ(data.splits.size(), 2u);
  EXPECT_EQ(data.splits[0].name, "train");
  EXPECT_EQ(data.splits[0].qrels.size(), 919u);
  EXPECT_EQ(data.splits[1].name, "test");
  EXPECT_EQ(data.splits[1].qrels.size(), 339u);
  std::unordered_set<std::string> test_queries;
  for (const Qrel& qrel : data.splits[1].qrels) {
    EXPECT_EQ(qrel.score, 1);
    test_queries.insert(qrel.query_id);
  }
  EXPECT_EQ(test_queries.size(), 300u);
  EXPECT_EQ(data.splits[1].qrels[0].line, 2);  // after the header
}

void write_small(const TempDir& dir, const std::string& qrels) {
  dir.write("b/corpus.jsonl",
            "{\"_id\": \"d1\", \"title\": \"T\", \"text\": \"one\"}\n"
            "{\"_id\": \"d2\", \"text\": \"two\"}\n");
  dir.write("b/queries.jsonl", "{\"_id\": \"q1\", \"text\": \"first?\"}\n");
  dir.write("b/qrels/test.tsv", qrels);
}

TEST(Beir, SmallDirectoryWithGzipQueries) {
  TempDir dir;
  write_small(dir, "query-id\tcorpus-id\tscore\nq1\td2\t2\n");
  std::filesystem::remove(dir.file("b/queries.jsonl"));
  write_gz(dir, "b/queries.jsonl.gz", "{\"_id\": \"q1\", \"text\": \"first?\"}\n");
  const BeirDataset data = load_beir(dir.file("b"));
  ASSERT_EQ(data.corpus.size(), 2u);
  EXPECT_EQ(data.corpus[1].title, "");
  ASSERT_EQ(data.splits.size(), 1u);
  EXPECT_EQ(data.splits[0].qrels[0].doc_id, "d2");
  EXPECT_EQ(data.splits[0].qrels[0].score, 2);
}

TEST(Beir, QrelsWithUnknownIds) {
  TempDir dir;
  write_small(dir, "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td9\t1\n");
  EXPECT_THAT(error_message([&] { load_beir(dir.file("b")); }),
              HasSubstr("test.tsv:3: expected a corpus id from corpus.jsonl, found 'd9'"));
  write_small(dir, "query-id\tcorpus-id\tscore\nq7\td1\t1\n");
  EXPECT_THAT(error_message([&] { load_beir(dir.file("b")); }),
              HasSubstr("test.tsv:2: expected a query id from queries.jsonl, found 'q7'"));
}

TEST(Beir, BadQrelsRows) {
  TempDir dir;
  write_small(dir, "query-id\tcorpus-id\tscore\nq1\td1\tone\n");
  EXPECT_THAT(error_message([&] { load_beir(dir.file("b")); }),
              HasSubstr("test.tsv:2: expected an integer score, found 'one'"));
  write_small(dir, "query-id\tcorpus-id\tscore\nq1\td1\n");
  EXPECT_THAT(error_message([&] { load_beir(dir.file("b")); }),
              HasSubstr("test.tsv:2: expected 3 columns, found 2"));
}

TEST(Beir, InvalidUtf8IsAnErrorOrReplacedOnRequest) {
  TempDir dir;
  write_small(dir, "query-id\tcorpus-id\tscore\nq1\td1\t1\n");
  dir.write("b/corpus.jsonl",
            "{\"_id\": \"d1\", \"text\": \"caf\xE9\"}\n{\"_id\": \"d2\", \"text\": \"b\"}\n");
  EXPECT_THAT(error_message([&] { load_beir(dir.file("b")); }),
              HasSubstr("corpus.jsonl:1: expected valid JSON"));
  EXPECT_THAT(error_message([&] { read_beir_corpus(dir.file("b/corpus.jsonl")); }),
              HasSubstr("--on-invalid-utf8 replace"));
  const BeirDataset data = load_beir(dir.file("b"), {}, InvalidUtf8::kReplace);
  EXPECT_EQ(data.corpus[0].text, "caf\xEF\xBF\xBD");
  EXPECT_EQ(read_beir_corpus(dir.file("b/corpus.jsonl"), InvalidUtf8::kReplace)[0].text,
            "caf\xEF\xBF\xBD");
}

TEST(Beir, DuplicateIdsAndMissingFiles) {
  TempDir dir;
  write_small(dir, "query-id\tcorpus-id\tscore\n");
  dir.write("b/corpus.jsonl",
            "{\"_id\": \"d1\", \"text\": \"a\"}\n{\"_id\": \"d1\", \"text\": \"b\"}\n");
  EXPECT_THAT(
      error_message([&] { load_beir(dir.file("b")); }),
      HasSubstr("corpus.jsonl:2: expected a unique _id, found 'd1' again (first on line 1)"));
  EXPECT_THAT(error_message([&] { load_beir(dir.file("missing")); }),
              HasSubstr("expected a BEIR directory with corpus.jsonl, found no such file"));
  write_small(dir, "query-id\tcorpus-id\tscore\n");
  EXPECT_THAT(error_message([&] { load_beir(dir.file("b"), {"dev"}); }),
              HasSubstr("expected a qrels file dev.tsv, found no such file"));
  dir.write("b/corpus.jsonl", "{\"_id\": 5, \"text\": \"a\"}\n");
  EXPECT_THAT(error_message([&] { load_beir(dir.file("b")); }),
              HasSubstr("corpus.jsonl:1: expected a string for field '_id', found a number"));
}

}  // namespace
}  // namespace tessera
