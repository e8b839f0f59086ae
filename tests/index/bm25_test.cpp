// Bm25Index: scores of a 3-document corpus against Lucene's BM25 formula computed by hand, the
// English analysis, ranking order and ties, and batch search against one-at-a-time search.
// SciFact quality against Pyserini's figures is in tests/eval/retrieval_benchmark_test.cpp.
#include "tessera/index/bm25.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../core/test_support.h"
#include "tessera/core/parallel.h"

namespace tessera {
namespace {

using testing::error_message;

// Lucene's BM25 term score, in doubles, for the hand computations below.
double term_score(double n, double df, double tf, double dl, double avgdl, double k1 = 0.9,
                  double b = 0.4) {
  const double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
  return idf * tf / (tf + k1 * (1.0 - b + b * dl / avgdl));
}

// doc 0: cat dog cat (3 tokens), doc 1: dog fish (2), doc 2: bird (1); N = 3, avgdl = 2.
Bm25Index three_documents(Bm25Options options = {}) {
  return Bm25Index::from_tokens({{"cat", "dog", "cat"}, {"dog", "fish"}, {"bird"}}, options);
}

TEST(Bm25Index, ThreeDocumentStatistics) {
  const Bm25Index index = three_documents();
  EXPECT_EQ(index.num_documents(), 3);
  EXPECT_EQ(index.num_terms(), 4);
  EXPECT_EQ(index.num_postings(), 5);
  EXPECT_DOUBLE_EQ(index.average_document_length(), 2.0);
  EXPECT_EQ(index.document_frequency("cat"), 1);
  EXPECT_EQ(index.document_frequency("dog"), 2);
  EXPECT_EQ(index.document_frequency("cow"), 0);
}

TEST(Bm25Index, ScoresMatchTheFormula) {
  const Bm25Index index = three_documents();
  const std::vector<std::string> query = {"cat", "dog"};
  // doc 0: cat tf 2 (df 1), dog tf 1 (df 2), dl 3; doc 1: dog tf 1, dl 2; doc 2: nothing.
  const double doc0 = term_score(3, 1, 2, 3, 2) + term_score(3, 2, 1, 3, 2);
  const double doc1 = term_score(3, 2, 1, 2, 2);
  EXPECT_NEAR(doc0, 0.8628663, 1e-6);  // ln(8/3) * 2 / 3.08 + ln(1.6) / 2.08, by hand
  EXPECT_NEAR(index.score(query, 0), doc0, 1e-6);
  EXPECT_NEAR(index.score(query, 1), doc1, 1e-6);
  EXPECT_EQ(index.score(query, 2), 0.0f);
  const std::vector<Bm25Hit> hits = index.search_tokens(query, 10);
  ASSERT_EQ(hits.size(), 2u);  // doc 2 holds no query token
  EXPECT_EQ(hits[0].doc, 0);
  EXPECT_NEAR(hits[0].score, doc0, 1e-6);
  EXPECT_EQ(hits[1].doc, 1);
  EXPECT_NEAR(hits[1].score, doc1, 1e-6);
}

TEST(Bm25Index, OtherK1AndB) {
  Bm25Options options;
  options.k1 = 1.2f;
  options.b = 0.75f;
  const Bm25Index index = three_documents(options);
  const std::vector<std::string> query = {"dog"};
  EXPECT_NEAR(index.score(query, 0), term_score(3, 2, 1, 3, 2, 1.2, 0.75), 1e-6);
  EXPECT_NEAR(index.score(query, 1), term_score(3, 2, 1, 2, 2, 1.2, 0.75), 1e-6);
  options.b = 1.5f;
  EXPECT_NE(error_message([&] { three_documents(options); }).find("b must be in [0, 1]"),
            std::string::npos);
}

TEST(Bm25Index, RepeatedQueryTokensCountPerOccurrence) {
  const Bm25Index index = three_documents();
  const std::vector<std::string> once = {"dog"};
  const std::vector<std::string> twice = {"dog", "dog"};
  const std::vector<Bm25Hit> one = index.search_tokens(once, 3);
  const std::vector<Bm25Hit> two = index.search_tokens(twice, 3);
  ASSERT_EQ(one.size(), 2u);
  ASSERT_EQ(two.size(), 2u);
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(two[i].doc, one[i].doc);
    EXPECT_NEAR(two[i].score, 2 * one[i].score, 1e-6);
  }
  // The shorter document ranks first for the same tf.
  EXPECT_EQ(one[0].doc, 1);
}

TEST(Bm25Index, TiesGoToTheLowerDocumentAndKTruncates) {
  const Bm25Index index = Bm25Index::from_tokens({{"x", "y"}, {"y", "x"}, {"z", "z"}, {"x", "y"}});
  const std::vector<std::string> query = {"x"};
  const std::vector<Bm25Hit> hits = index.search_tokens(query, 2);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].doc, 0);
  EXPECT_EQ(hits[1].doc, 1);
  EXPECT_EQ(hits[0].score, hits[1].score);
  EXPECT_TRUE(index.search_tokens(std::vector<std::string>{"nothing"}, 5).empty());
  EXPECT_NE(error_message([&] { index.search_tokens(query, 0); }).find("k must be >= 1"),
            std::string::npos);
}

TEST(Bm25Index, AnalyzesAsLuceneEnglish) {
  const std::vector<std::string> documents = {"The Cats are RUNNING to the garden", "A dog runs",
                                              "Gardens of stone"};
  const Bm25Index index(documents);
  EXPECT_EQ(index.analyze("The Cats are RUNNING"), (std::vector<std::string>{"cat", "run"}));
  EXPECT_EQ(index.document_frequency("run"), 2);
  EXPECT_EQ(index.document_frequency("garden"), 2);
  EXPECT_EQ(index.document_frequency("the"), 0);  // a stop word
  // Document lengths count analyzed tokens: 3 (cat run garden), 2 (dog run), 2 (garden stone).
  EXPECT_NEAR(index.average_document_length(), 7.0 / 3.0, 1e-12);
  const std::vector<Bm25Hit> hits = index.search("running gardens", 3);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].doc, 0);
  EXPECT_NEAR(hits[0].score, term_score(3, 2, 1, 3, 7.0 / 3.0) + term_score(3, 2, 1, 3, 7.0 / 3.0),
              1e-6);
}

TEST(Bm25Index, BatchSearchEqualsOneAtATime) {
  std::vector<std::string> documents;
  for (int d = 0; d < 200; ++d) {
    std::string text;
    for (int w = 0; w < 3 + d % 7; ++w) text += fmt::format("w{} ", (d * 7 + w * 13) % 41);
    documents.push_back(text);
  }
  const Bm25Index index(documents);
  std::vector<std::string> queries;
  for (int q = 0; q < 64; ++q) {
    queries.push_back(fmt::format("w{} w{}", q % 41, (q * 5) % 41));
  }
  const TopK batch = index.search_batch(queries, 15);
  ASSERT_EQ(batch.num_queries, 64);
  for (int q = 0; q < 64; ++q) {
    const std::vector<Bm25Hit> hits = index.search(queries[static_cast<size_t>(q)], 15);
    for (size_t j = 0; j < 15; ++j) {
      if (j < hits.size()) {
        EXPECT_EQ(batch.ids_of(q)[j], hits[j].doc);
        EXPECT_EQ(batch.scores_of(q)[j], hits[j].score);
      } else {
        EXPECT_EQ(batch.ids_of(q)[j], -1);
      }
    }
  }
}

TEST(Bm25Index, LargeCorporaIndexTheSameAtAnyThreadCount) {
  // More documents than one counting block, with long and empty ones: the index file is the same
  // from text at one or two threads and from the analyzer's tokens.
  std::vector<std::string> documents;
  for (int d = 0; d < 9000; ++d) {
    std::string text;
    const int words = d % 97 == 0 ? 3000 : d % 13;
    for (int w = 0; w < words; ++w) text += fmt::format("Word{} ", (d * 31 + w * 7) % 997);
    documents.push_back(text);
  }
  testing::TempDir dir;
  const std::string one_thread = dir.file("one.index");
  const std::string two_threads = dir.file("two.index");
  const std::string from_tokens = dir.file("tokens.index");
  const int threads = num_threads();
  set_num_threads(1);
  const Bm25Index index(documents);
  index.save(one_thread);
  set_num_threads(2);
  Bm25Index(documents).save(two_threads);
  set_num_threads(threads);
  std::vector<std::vector<std::string>> tokens;
  for (const std::string& document : documents) tokens.push_back(index.analyze(document));
  Bm25Index::from_tokens(tokens).save(from_tokens);
  EXPECT_EQ(testing::read_file_text(one_thread), testing::read_file_text(two_threads));
  EXPECT_EQ(testing::read_file_text(one_thread), testing::read_file_text(from_tokens));
  EXPECT_EQ(index.num_documents(), 9000);
  EXPECT_EQ(index.num_terms(), 997);
}

TEST(Bm25Index, SavesAndLoadsWithItsAnalyzer) {
  testing::TempDir dir;
  Bm25Options options;
  options.k1 = 1.2f;
  options.b = 0.75f;
  const std::vector<std::string> documents = {"Running cats", "the dog runs home", "a bird"};
  const Bm25Index index(documents, options);
  index.save(dir.file("bm25.index"));
  const Bm25Index loaded = Bm25Index::load(dir.file("bm25.index"));
  EXPECT_EQ(loaded.options().k1, 1.2f);
  EXPECT_TRUE(loaded.options().tokenizer.stem);
  EXPECT_EQ(loaded.num_terms(), index.num_terms());
  const std::vector<std::string> queries = {"run", "cat running", "birds", "zebra"};
  const TopK a = index.search_batch(queries, 3), b = loaded.search_batch(queries, 3);
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(a.scores, b.scores);
  EXPECT_GT(loaded.memory_bytes(), 0);
}

TEST(Bm25Index, LoadRefusesOtherAndBrokenFiles) {
  testing::TempDir dir;
  const std::string path = dir.file("bm25.index");
  Bm25Index::from_tokens({{"a", "b"}, {"b"}}).save(path);
  std::vector<uint8_t> bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  for (size_t size = 0; size < bytes.size(); ++size) {
    const std::string cut =
        dir.write("cut.index", std::string_view(reinterpret_cast<const char*>(bytes.data()), size));
    EXPECT_NE(error_message([&] { (void)Bm25Index::load(cut); }).find(cut), std::string::npos);
  }
  // Postings naming a document that does not exist, behind a valid checksum.
  {
    IndexFileWriter out(path, "bm25");
    out.write<float>(0.9f);
    out.write<float>(0.4f);
    for (int flag = 0; flag < 7; ++flag) out.write<uint8_t>(0);
    out.write_string("porter");
    out.write<uint64_t>(1);
    out.write_string("a");
    out.write_array<int64_t>(std::vector<int64_t>{0, 1});
    out.write_array<uint32_t>(std::vector<uint32_t>{5});
    out.write_array<uint32_t>(std::vector<uint32_t>{1});
    out.write_array<float>(std::vector<float>{1.0f});
    out.write<double>(1.0);
    out.commit();
  }
  EXPECT_NE(error_message([&] { (void)Bm25Index::load(path); }).find("postings are invalid"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera
