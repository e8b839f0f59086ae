// Qrels and TREC run files: reading, errors with file and line, atomic writing, round trips.
#include "tessera/eval/relevance.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../data/data_test_support.h"

namespace tessera {
namespace {

using testing::error_message;
using testing::TempDir;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Qrels, ReadsBeirTsvWithHeaderAndLastGradeWins) {
  TempDir dir;
  const std::string path = dir.write(
      "qrels.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t0\nq2\td1\t2\nq1\td1\t3\n");
  const Qrels qrels = read_qrels(path);
  ASSERT_EQ(qrels.size(), 2u);
  EXPECT_EQ(qrels.at("q1").at("d1"), 3);
  EXPECT_EQ(qrels.at("q1").at("d2"), 0);
  EXPECT_EQ(qrels.at("q2").at("d1"), 2);
  // Also from parsed rows (load_beir's splits).
  const Qrels from_rows = qrels_from({{"q", "d", 1, 1}, {"q", "e", 2, 2}});
  EXPECT_EQ(from_rows.at("q").at("e"), 2);
  const std::string bad = dir.write("bad.tsv", "q1\td1\t1\nq1\td2\tyes\n");
  EXPECT_NE(error_message([&] { read_qrels(bad); }).find("bad.tsv:2"), std::string::npos);
}

TEST(TrecRun, ReadsWhitespaceSeparatedFields) {
  TempDir dir;
  const std::string path = dir.write(
      "run.trec", "q1 Q0 d1 1 2.5 tag\n\nq1\tQ0\td2\t2\t-1e-3\ttag\r\nq2 Q0 d1 1 7 tag\n");
  const tessera::Run run = read_trec_run(path);
  ASSERT_EQ(run.size(), 2u);
  ASSERT_EQ(run.at("q1").size(), 2u);
  EXPECT_EQ(run.at("q1")[0].doc_id, "d1");
  EXPECT_EQ(run.at("q1")[0].score, 2.5);
  EXPECT_EQ(run.at("q1")[1].doc_id, "d2");
  EXPECT_EQ(run.at("q1")[1].score, -0.001);
  EXPECT_EQ(run.at("q2")[0].score, 7.0);
}

TEST(TrecRun, BadLinesNameFileLineAndProblem) {
  TempDir dir;
  struct Case {
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      {"q1 Q0 d1 1 0.5 t\nq1 Q0 d2 1 0.5\n", "run.trec:2: expected 6 fields"},
      {"q1 Q0 d1 1 0.5 t extra\n", "run.trec:1: expected 6 fields"},
      {"q1 Q0 d1 1 high t\n", "run.trec:1: expected a finite number"},
      {"q1 Q0 d1 1 nan t\n", "run.trec:1: expected a finite number"},
      {"q1 Q0 d1 first 0.5 t\n", "run.trec:1: expected an integer rank"},
      {"q1 Q0 d1 1 0.5 t\nq2 Q0 d1 1 0.5 t\nq1 Q0 d1 2 0.4 t\n", "run.trec:3: expected each"},
  };
  for (const Case& c : cases) {
    const std::string path = dir.write("run.trec", c.text);
    const std::string message = error_message([&] { read_trec_run(path); });
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
  }
  EXPECT_NE(error_message([&] { read_trec_run(dir.file("none.trec")); }).find("none.trec"),
            std::string::npos);
}

TEST(TrecRun, WritesRankedAndReadsBackExactly) {
  TempDir dir;
  const tessera::Run run = {{"q2", {{"a", 0.1f}, {"b", 0.30000001192092896}}},
                            {"q1", {{"x", 1.0}, {"z", 1.0}, {"y", 2.0}}},
                            {"q3", {}}};
  const std::string path = dir.file("out.trec");
  write_trec_run(path, run, "tessera:flat@64");
  // Queries ascending; within a query trec_order (ties: higher doc id first); ranks from 1.
  EXPECT_EQ(read_text(path),
            "q1 Q0 y 1 2 tessera:flat@64\n"
            "q1 Q0 z 2 1 tessera:flat@64\n"
            "q1 Q0 x 3 1 tessera:flat@64\n"
            "q2 Q0 b 1 0.30000001192092896 tessera:flat@64\n"
            "q2 Q0 a 2 0.10000000149011612 tessera:flat@64\n");
  const tessera::Run back = read_trec_run(path);
  EXPECT_EQ(back.at("q2")[1].score, static_cast<double>(0.1f));  // bit-exact round trip
  EXPECT_EQ(back.at("q1").size(), 3u);
  EXPECT_EQ(back.count("q3"), 0u);
}

TEST(TrecRun, FailedWriteLeavesTheOldFile) {
  TempDir dir;
  const std::string path = dir.write("keep.trec", "old contents\n");
  const tessera::Run bad = {{"q 1", {{"d", 1.0}}}};
  EXPECT_NE(error_message([&] { write_trec_run(path, bad, "t"); }).find("whitespace"),
            std::string::npos);
  EXPECT_NE(error_message([&] { write_trec_run(path, {}, "two words"); }).find("tag"),
            std::string::npos);
  EXPECT_EQ(read_text(path), "old contents\n");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
  EXPECT_NE(error_message([&] { write_trec_run(dir.file("no/such/dir/run.trec"), {}, "t"); }), "");
}

}  // namespace
}  // namespace tessera
