// Collection: documents written survive reopening, upserts replace and deletes remove, filtered
// searches return k results whenever k documents match (against a brute-force answer), BM25 and
// hybrid search see the latest writes, bad input is a clear Error, and searches run beside a
// writer.
#include "tessera/collection/collection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "../core/test_support.h"
#include "tessera/collection/document_reader.h"
#include "tessera/text/vocabulary_builder.h"

namespace tessera {
namespace {

using testing::error_message;
using testing::TempDir;

const char* const kWords[] = {"cat",   "dog",    "bird",  "fish", "stock", "market", "rain",
                              "sun",   "river",  "stone", "tree", "apple", "music",  "drum",
                              "ocean", "planet", "star",  "moon", "road",  "train"};

// n documents of random words; metadata {"n": i, "mod": i % 20, "tag": "t<i % 3>"}.
std::vector<CollectionDocument> documents(int64_t n, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  std::vector<CollectionDocument> docs;
  for (int64_t i = 0; i < n; ++i) {
    std::string text;
    for (int w = 0; w < 6; ++w) text += fmt::format("{} ", kWords[rng() % 20]);
    text += fmt::format("doc{}", i);  // a word no other document has
    const nlohmann::json metadata = {{"n", i}, {"mod", i % 20}, {"tag", fmt::format("t{}", i % 3)}};
    docs.push_back({fmt::format("d{}", i), text, metadata.dump()});
  }
  return docs;
}

std::string save_model(const TempDir& dir) {
  FeaturizerConfig config;
  config.buckets = 512;
  VocabularyBuilder builder{Tokenizer(config.tokenizer)};
  std::vector<std::string> texts;
  for (const CollectionDocument& doc : documents(400)) texts.push_back(doc.text);
  builder.add_texts(texts);
  ModelOptions options;
  options.dim = 32;
  options.prefixes = {16, 32};
  const std::string path = dir.file("model.safetensors");
  Model::create(config, builder.build({1, 0}), options).save(path);
  return path;
}

std::unique_ptr<Collection> make_collection(const TempDir& dir, const std::string& index = "flat",
                                            const std::string& name = "c") {
  CollectionOptions options;
  options.model_path = save_model(dir);
  options.index = index;
  Collection::create(dir.file(name), options);
  return Collection::open(dir.file(name));
}

std::vector<std::string> ids_of(const std::vector<CollectionHit>& hits) {
  std::vector<std::string> ids;
  for (const CollectionHit& hit : hits) ids.push_back(hit.id);
  return ids;
}

std::vector<CollectionHit> search_one(const Collection& collection, const std::string& query,
                                      int64_t k, const MetadataFilter* filter = nullptr,
                                      SearchMethod method = SearchMethod::kDense) {
  CollectionSearchRequest request;
  request.queries = {{query, {}}};
  request.k = k;
  request.filter = filter;
  request.method = method;
  return collection.search(request)[0];
}

TEST(Collection, WritesSurviveReopening) {
  TempDir dir;
  auto collection = make_collection(dir);
  const auto docs = documents(50);
  const UpsertCounts counts = collection->upsert(docs);
  EXPECT_EQ(counts.added, 50);
  EXPECT_EQ(counts.replaced, 0);
  const auto before = search_one(*collection, docs[7].text, 5);
  ASSERT_EQ(before.size(), 5u);
  EXPECT_EQ(before[0].id, "d7");  // a document's own text finds it first
  EXPECT_EQ(nlohmann::json::parse(before[0].metadata)["n"], 7);
  collection.reset();

  const auto reopened = Collection::open(dir.file("c"));
  EXPECT_EQ(reopened->info().documents, 50);
  EXPECT_EQ(reopened->info().index, "flat@32");
  EXPECT_EQ(reopened->check_integrity(), "ok");
  const auto after = search_one(*reopened, docs[7].text, 5);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].id, before[i].id);
    EXPECT_FLOAT_EQ(after[i].score, before[i].score);
  }
  const auto got = reopened->get(std::vector<std::string>{"d3", "nope"});
  ASSERT_TRUE(got[0].has_value());
  EXPECT_EQ(got[0]->text, docs[3].text);
  EXPECT_FALSE(got[1].has_value());
}

TEST(Collection, UpsertReplacesAndDeleteRemoves) {
  TempDir dir;
  auto collection = make_collection(dir);
  collection->upsert(documents(20));
  const std::vector<CollectionDocument> changed = {{"d4", "ocean ocean planet", R"({"n": 99})"},
                                                   {"new", "moon road", "{}"}};
  const UpsertCounts counts = collection->upsert(changed);
  EXPECT_EQ(counts.replaced, 1);
  EXPECT_EQ(counts.added, 1);
  EXPECT_EQ(collection->info().documents, 21);
  EXPECT_EQ(collection->info().removed_rows, 1);
  EXPECT_EQ(collection->get(std::vector<std::string>{"d4"})[0]->text, "ocean ocean planet");
  EXPECT_EQ(search_one(*collection, "ocean ocean planet", 1)[0].id, "d4");

  EXPECT_EQ(collection->remove(std::vector<std::string>{"d1", "d2", "d2", "unknown"}), 2);
  EXPECT_EQ(collection->info().documents, 19);
  for (const CollectionHit& hit : search_one(*collection, documents(20)[1].text, 30)) {
    EXPECT_NE(hit.id, "d1");
    EXPECT_NE(hit.id, "d2");
  }
  EXPECT_EQ(collection->check_integrity(), "ok");
  collection.reset();
  const auto reopened = Collection::open(dir.file("c"));
  EXPECT_EQ(reopened->info().documents, 19);
  EXPECT_EQ(reopened->info().removed_rows, 0);  // rebuilt from the rows
  EXPECT_EQ(reopened->get(std::vector<std::string>{"d4"})[0]->metadata, R"({"n":99})");
  EXPECT_FALSE(reopened->get(std::vector<std::string>{"d1"})[0].has_value());
}

// The brute-force answer: every document scored, the matching ones kept.
std::vector<std::string> brute_force(const Collection& collection, const std::string& query,
                                     int64_t k, const MetadataFilter& filter, int64_t size) {
  std::vector<std::string> ids;
  for (const CollectionHit& hit : search_one(collection, query, size)) {
    if (filter.matches(DocumentFields(nlohmann::json::parse(hit.metadata)))) ids.push_back(hit.id);
    if (std::ssize(ids) == k) break;
  }
  return ids;
}

TEST(Collection, FilteredSearchReturnsKWheneverKMatch) {
  TempDir dir;
  for (const char* index : {"flat", "hnsw:M8,efc64,ef16", "binary+rescore"}) {
    SCOPED_TRACE(index);
    const std::string name = std::string("c") + std::to_string(index[0]);
    auto collection = make_collection(dir, index, name);
    collection->upsert(documents(400));
    const std::string query = "stock market rain";
    // 5% of the documents (scored exactly), 67% (deepening searches), and 3 of them.
    for (const char* text :
         {R"({"mod": 3})", R"({"tag": {"$ne": "t0"}})", R"({"n": {"$in": [5, 77, 301]}})"}) {
      SCOPED_TRACE(text);
      const MetadataFilter filter = MetadataFilter::parse(nlohmann::json::parse(text));
      const auto hits = search_one(*collection, query, 10, &filter);
      const auto expected = brute_force(*collection, query, 10, filter, 400);
      ASSERT_EQ(hits.size(), std::min<size_t>(10, expected.size()));
      for (const CollectionHit& hit : hits) {
        EXPECT_TRUE(filter.matches(DocumentFields(nlohmann::json::parse(hit.metadata))));
      }
      if (std::string(index) == "flat") {
        EXPECT_EQ(ids_of(hits), expected);
      }
    }
    const MetadataFilter none = MetadataFilter::parse(nlohmann::json::parse(R"({"mod": 99})"));
    EXPECT_TRUE(search_one(*collection, query, 10, &none).empty());
  }
}

TEST(Collection, Bm25AndHybridSeeTheLatestWrites) {
  TempDir dir;
  auto collection = make_collection(dir);
  collection->upsert(documents(100));
  auto bm25 = search_one(*collection, "doc42", 3, nullptr, SearchMethod::kBm25);
  ASSERT_EQ(bm25.size(), 1u);  // only one document holds the word
  EXPECT_EQ(bm25[0].id, "d42");
  // Hybrid: all of BM25's weight gives its ranking, none of it the dense one.
  CollectionSearchRequest hybrid;
  hybrid.queries = {{"doc42 stock", {}}};
  hybrid.k = 5;
  hybrid.method = SearchMethod::kHybrid;
  hybrid.fusion.weight = 1;
  EXPECT_EQ(collection->search(hybrid)[0][0].id, "d42");
  hybrid.fusion.weight = 0;
  EXPECT_EQ(ids_of(collection->search(hybrid)[0]),
            ids_of(search_one(*collection, "doc42 stock", 5)));
  collection->remove(std::vector<std::string>{"d42"});
  EXPECT_TRUE(search_one(*collection, "doc42", 3, nullptr, SearchMethod::kBm25).empty());
  collection->upsert(std::vector<CollectionDocument>{{"fresh", "zebra", "{}"}});
  EXPECT_EQ(search_one(*collection, "zebra", 3, nullptr, SearchMethod::kBm25)[0].id, "fresh");
  const MetadataFilter filter = MetadataFilter::parse(nlohmann::json::parse(R"({"tag": "t1"})"));
  const auto filtered = search_one(*collection, "stock market", 10, &filter, SearchMethod::kBm25);
  EXPECT_FALSE(filtered.empty());
  for (const CollectionHit& hit : filtered) {
    EXPECT_EQ(nlohmann::json::parse(hit.metadata)["tag"], "t1");
  }
}

TEST(Collection, SearchesByVector) {
  TempDir dir;
  auto collection = make_collection(dir);
  collection->upsert(documents(30));
  const Tensor vector = collection->model().embed({documents(30)[9].text}, 32, kDocumentTower);
  CollectionSearchRequest request;
  request.queries = {{{}, vector.to_vector()}};
  request.k = 1;
  EXPECT_EQ(collection->search(request)[0][0].id, "d9");
  request.queries = {{{}, std::vector<float>(7, 1.0f)}};
  EXPECT_NE(error_message([&] { collection->search(request); }).find("a vector of 7 dims"),
            std::string::npos);
  request.queries = {{{}, vector.to_vector()}};
  request.method = SearchMethod::kBm25;
  EXPECT_NE(error_message([&] { collection->search(request); }).find("reads a query text"),
            std::string::npos);
}

TEST(Collection, BadInputIsAClearError) {
  TempDir dir;
  auto collection = make_collection(dir);
  auto upsert_error = [&](std::vector<CollectionDocument> docs) {
    return error_message([&] { collection->upsert(docs); });
  };
  EXPECT_NE(upsert_error({{"", "x", "{}"}}).find("an id must not be empty"), std::string::npos);
  EXPECT_NE(upsert_error({{"a\nb", "x", "{}"}}).find("control characters"), std::string::npos);
  EXPECT_NE(upsert_error({{std::string(300, 'x'), "x", "{}"}}).find("at most 256 bytes"),
            std::string::npos);
  EXPECT_NE(upsert_error({{"a", "x", "{}"}, {"a", "y", "{}"}}).find("appears twice"),
            std::string::npos);
  EXPECT_NE(upsert_error({{"a", "x", "[1]"}}).find("metadata must be a JSON object"),
            std::string::npos);
  EXPECT_NE(upsert_error({{"a", "x", "{"}}).find("not valid JSON"), std::string::npos);
  EXPECT_NE(upsert_error({{"a", "bad \xff text", "{}"}}).find("UTF-8"), std::string::npos);
  EXPECT_EQ(collection->info().documents, 0);  // none of them half-written

  // A second opener of the same directory (another process, or this one) fails at once.
  EXPECT_NE(error_message([&] { Collection::open(dir.file("c")); }).find("collection"),
            std::string::npos);
  EXPECT_NE(error_message([&] {
              Collection::open(dir.file("none"));
            }).find("is not a tessera collection"),
            std::string::npos);
  CollectionOptions options;
  options.model_path = dir.file("model.safetensors");
  EXPECT_NE(error_message([&] {
              Collection::create(dir.file("c"), options);
            }).find("not an empty directory"),
            std::string::npos);
  options.index = "hnsw@64";
  EXPECT_NE(error_message([&] { Collection::create(dir.file("big"), options); }).find("64"),
            std::string::npos);
  collection.reset();
  // A model file changed since the collection was made.
  testing::write_file_text(dir.file("model.safetensors"), "not a model any more");
  EXPECT_NE(error_message([&] { Collection::open(dir.file("c")); }).find("changed since"),
            std::string::npos);
}

TEST(Collection, ReadsDocumentsFromJsonLines) {
  TempDir dir;
  const std::string path = dir.write(
      "docs.jsonl", R"({"_id": "a", "title": "Cats", "text": "purr", "metadata": {"lang": "en"}})"
                    "\n\n"
                    R"({"id": "b", "text": "bark"})"
                    "\n");
  std::vector<CollectionDocument> read;
  read_documents(path, 1, [&](std::vector<CollectionDocument>&& batch) {
    EXPECT_EQ(batch.size(), 1u);
    read.insert(read.end(), batch.begin(), batch.end());
  });
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].text, "Cats purr");
  EXPECT_EQ(read[0].metadata, R"({"lang":"en","title":"Cats"})");
  EXPECT_EQ(read[1].metadata, "{}");
  auto error = [&](const char* line) {
    const std::string bad =
        dir.write("bad.jsonl", std::string("{\"id\": \"ok\", \"text\": \"\"}\n") + line);
    return error_message([&] { read_documents(bad, 10, [](auto&&) {}); });
  };
  EXPECT_NE(error(R"({"id": "x", "txt": "typo"})").find("bad.jsonl:2: unknown member \"txt\""),
            std::string::npos);
  EXPECT_NE(error(R"({"text": "no id"})").find("bad.jsonl:2: the document has no \"id\""),
            std::string::npos);
  EXPECT_NE(error(R"({"id": 5, "text": "x"})").find("\"id\" must be a string"), std::string::npos);
  EXPECT_NE(error(R"({"id": "x", "text": "x", "metadata": 3})").find("must be a JSON object"),
            std::string::npos);
  EXPECT_NE(error("{truncated").find("bad.jsonl:2: not valid JSON"), std::string::npos);
}

TEST(Collection, SearchesRunBesideAWriter) {
  TempDir dir;
  auto collection = make_collection(dir);
  collection->upsert(documents(100));
  std::atomic<bool> done{false};
  std::atomic<int64_t> short_results{0};
  std::vector<std::thread> searchers;
  for (int t = 0; t < 3; ++t) {
    searchers.emplace_back([&] {
      while (!done) {
        if (search_one(*collection, "stock market", 10).size() != 10) ++short_results;
      }
    });
  }
  const auto more = documents(200, 7);
  for (size_t begin = 0; begin < more.size(); begin += 20) {
    std::vector<CollectionDocument> batch(more.begin() + static_cast<std::ptrdiff_t>(begin),
                                          more.begin() + static_cast<std::ptrdiff_t>(begin + 20));
    collection->upsert(batch);  // ids d0..d199: replaces the first 100, then adds
  }
  done = true;
  for (std::thread& searcher : searchers) searcher.join();
  EXPECT_EQ(short_results, 0);
  EXPECT_EQ(collection->info().documents, 200);
  EXPECT_EQ(collection->check_integrity(), "ok");
}

}  // namespace
}  // namespace tessera
