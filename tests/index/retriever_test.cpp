// Retrievers over a small corpus: dense search is the index's search of the model's vectors, BM25
// the BM25 index's, hybrid the fusion of both lists searched to the fusion depth; the factory
// builds each distinct retriever once and shares the parts of hybrids.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../core/test_support.h"
#include "tessera/index/bm25_retriever.h"
#include "tessera/index/dense_retriever.h"
#include "tessera/index/hybrid_retriever.h"
#include "tessera/index/retriever_factory.h"
#include "tessera/text/vocabulary_builder.h"

namespace tessera {
namespace {

using testing::error_message;
using ::testing::HasSubstr;

const std::vector<std::string> kDocuments = {
    "cats purr and sleep all day", "dogs bark at the mailman", "the stock market fell sharply",
    "birds sing in the morning",   "fish swim in the sea",     "cats and dogs play in the sun",
    "markets rise on good news",   "the sea is calm today"};
const std::vector<std::string> kQueries = {"dogs bark", "stock market news", "sea fish"};

std::shared_ptr<const Model> small_model() {
  FeaturizerConfig config;
  config.buckets = 128;
  VocabularyBuilder builder{Tokenizer(config.tokenizer)};
  builder.add_texts(kDocuments);
  ModelOptions options;
  options.dim = 32;
  options.prefixes = {8, 32};
  return std::make_shared<const Model>(Model::create(config, builder.build(), options));
}

RetrieverInputs inputs(const std::shared_ptr<const Model>& model) {
  RetrieverInputs in;
  in.model = model;
  in.document_texts = kDocuments;
  in.document_vectors = [model](int64_t dim, const std::function<void(const Tensor&)>& add) {
    // Two batches: the index must take them in order.
    const std::vector<std::string> first(kDocuments.begin(), kDocuments.begin() + 5);
    const std::vector<std::string> rest(kDocuments.begin() + 5, kDocuments.end());
    add(model->embed(first, dim, kDocumentTower));
    add(model->embed(rest, dim, kDocumentTower));
  };
  return in;
}

void expect_same(const TopK& a, const TopK& b) {
  ASSERT_EQ(a.num_queries, b.num_queries);
  ASSERT_EQ(a.k, b.k);
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(a.scores, b.scores);
}

TEST(Retriever, DenseSearchesTheIndexWithTheModelsQueryVectors) {
  const auto model = small_model();
  RetrieverFactory factory(inputs(model));
  for (const int64_t dim : {8, 32}) {
    const BuiltRetriever built = factory.build(parse_retriever_spec("flat"), dim);
    const auto& dense = dynamic_cast<const DenseRetriever&>(*built.retriever);
    EXPECT_EQ(dense.name(), fmt::format("flat@{}", dim));
    EXPECT_EQ(dense.query_dim(), dim);
    EXPECT_EQ(dense.num_documents(), 8);
    const QueryBatch prepared = dense.prepare(kQueries);
    const TopK expected = exact_top_k(model->embed(kQueries, dim, kQueryTower),
                                      model->embed(kDocuments, dim, kDocumentTower), 3);
    expect_same(dense.search(prepared, 3), expected);
    expect_same(dense.search(kQueries, 3), expected);  // prepare and search in one call
  }
  EXPECT_THAT(error_message([&] { (void)factory.build(parse_retriever_spec("flat"), 64); }),
              HasSubstr("outside the model's"));
}

TEST(Retriever, Bm25SearchesTheTextsItWasBuiltOn) {
  RetrieverFactory factory(inputs(nullptr));  // bm25 needs no model
  const BuiltRetriever built = factory.build(parse_retriever_spec("bm25"));
  EXPECT_EQ(built.retriever->name(), "bm25");
  EXPECT_EQ(built.retriever->query_dim(), 0);
  EXPECT_EQ(built.retriever->bytes_per_vector(), 0);
  const Bm25Index index(kDocuments);
  expect_same(built.retriever->search(kQueries, 4), index.search_batch(kQueries, 4));
  EXPECT_THAT(error_message([&] { (void)factory.build(parse_retriever_spec("hybrid")); }),
              HasSubstr("hybrid search needs a model"));
}

TEST(Retriever, HybridFusesBothListsSearchedToTheFusionDepth) {
  const auto model = small_model();
  RetrieverInputs in = inputs(model);
  in.fusion.depth = 5;
  in.fusion.weight = 0.4;
  RetrieverFactory factory(in);
  const BuiltRetriever bm25 = factory.build(parse_retriever_spec("bm25"));
  const BuiltRetriever flat = factory.build(parse_retriever_spec("flat"));
  const BuiltRetriever hybrid = factory.build(parse_retriever_spec("hybrid"));
  EXPECT_EQ(hybrid.retriever->name(), "hybrid(bm25+flat@32)");
  EXPECT_EQ(hybrid.retriever->query_dim(), 32);
  // The parts are the retrievers built before, not copies.
  const auto& parts = dynamic_cast<const HybridRetriever&>(*hybrid.retriever);
  EXPECT_EQ(&parts.first(), bm25.retriever.get());
  EXPECT_EQ(&parts.second(), flat.retriever.get());
  EXPECT_DOUBLE_EQ(hybrid.build_seconds, bm25.build_seconds + flat.build_seconds);
  EXPECT_EQ(factory.build(parse_retriever_spec("hybrid(bm25+flat)")).retriever, hybrid.retriever);
  // k below the depth: both lists 5 deep; k above it: k deep.
  for (const int64_t k : {2, 7}) {
    const QueryBatch queries = hybrid.retriever->prepare(kQueries);
    const int64_t depth = std::max<int64_t>(k, 5);
    const TopK expected = fuse(bm25.retriever->search(queries, depth),
                               flat.retriever->search(queries, depth), k, in.fusion);
    expect_same(hybrid.retriever->search(queries, k), expected);
  }
  // Another dense part makes another hybrid.
  const BuiltRetriever int8 = factory.build(parse_retriever_spec("hybrid(bm25+int8@8)"));
  EXPECT_EQ(int8.retriever->name(), "hybrid(bm25+int8@8)");
  EXPECT_EQ(int8.retriever->query_dim(), 8);
  EXPECT_EQ(int8.retriever->bytes_per_vector(), 8);
}

TEST(Retriever, SpecsOfRetrieversAndTheirErrors) {
  EXPECT_EQ(parse_retriever_spec("bm25").kind, RetrieverSpec::Kind::kBm25);
  EXPECT_FALSE(parse_retriever_spec("bm25").needs_model());
  EXPECT_EQ(parse_retriever_spec("hybrid").kind, RetrieverSpec::Kind::kHybrid);
  EXPECT_EQ(parse_retriever_spec("hybrid(bm25+funnel@8>32)").index.short_name, "funnel");
  EXPECT_EQ(parse_retriever_spec("binary+rescore").kind, RetrieverSpec::Kind::kDense);
  EXPECT_THAT(error_message([] { (void)parse_retriever_spec("hybrid(flat)"); }),
              HasSubstr("'hybrid' or 'hybrid(bm25+<index spec>)'"));
  EXPECT_THAT(error_message([] { (void)parse_retriever_spec("hybrid(bm25+ivf)"); }),
              HasSubstr("index spec 'ivf'"));
  EXPECT_THAT(error_message([] { (void)parse_retriever_spec("bm26"); }),
              HasSubstr("unknown index kind 'bm26'"));
}

TEST(Retriever, QueryBatchesSliceTextsAndVectors) {
  QueryBatch batch;
  batch.texts = {"a", "b", "c"};
  EXPECT_EQ(batch.size(), 3);
  EXPECT_EQ(batch.slice(1, 3).texts, (std::vector<std::string>{"b", "c"}));
  batch.vectors = Tensor::from({3, 2}, {1, 2, 3, 4, 5, 6});
  const QueryBatch middle = batch.slice(1, 2);
  EXPECT_EQ(middle.texts, std::vector<std::string>{"b"});
  EXPECT_EQ(middle.vectors.to_vector(), (std::vector<float>{3, 4}));
  EXPECT_THROW((void)batch.slice(2, 4), Error);
}

}  // namespace
}  // namespace tessera
