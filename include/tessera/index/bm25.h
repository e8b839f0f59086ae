// Bm25Index: lexical retrieval by Okapi BM25 (Robertson & Zaragoza, 2009) over an inverted index,
// scored as Lucene's BM25Similarity and analyzed as Lucene's EnglishAnalyzer (what Pyserini's
// BEIR "flat" baselines use): NFKC + case folding, English stop words removed, Porter stemming.
//
// For a query term t and a document d of dl tokens (N documents, average length avgdl, t in df
// of them, tf times in d):
//   idf(t)     = ln(1 + (N - df + 0.5) / (df + 0.5))
//   score(t,d) = idf(t) * tf / (tf + k1 * (1 - b + b * dl / avgdl))
// A document's score is the sum over the query's tokens, a repeated token counting once per
// occurrence (as Lucene's BooleanQuery of one term clause per token). Unlike Lucene, document
// lengths are kept exactly (Lucene stores them in one lossy byte), so scores differ from
// Lucene's in the last digits.
//
// Postings are compact arrays: per term, the ids of the documents holding it (ascending) and the
// term's frequency in each. search() is const and thread-safe: it accumulates term by term into
// a per-thread score array, then keeps the k best (ties by the lower document id).
//
// save() / load() use the index file layout of every tessera index (index_file.h, kind "bm25"),
// analyzer options included, so a loaded index analyzes queries as the saved one did.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tessera/index/exact_search.h"
#include "tessera/index/index_file.h"
#include "tessera/text/tokenizer.h"

namespace tessera {

// Lucene EnglishAnalyzer's steps: NFKC + case fold (TokenizerOptions' defaults), stop words,
// Porter stemming.
inline TokenizerOptions bm25_english_tokenizer() {
  TokenizerOptions options;
  options.remove_stop_words = true;
  options.stem = true;
  options.stem_algorithm = "porter";
  return options;
}

struct Bm25Options {
  float k1 = 0.9f;  // term-frequency saturation (Lucene's default 1.2; Pyserini's BEIR runs 0.9)
  float b = 0.4f;   // length normalization in [0, 1] (Lucene 0.75; Pyserini's BEIR runs 0.4)
  TokenizerOptions tokenizer = bm25_english_tokenizer();
};

// One search result: a document id (its position in the corpus) and its BM25 score.
struct Bm25Hit {
  int64_t doc = -1;
  float score = 0;
};

class Bm25Index {
 public:
  // Indexes documents (one text each; for BEIR, title + " " + text), tokenized in parallel.
  // Throws on invalid UTF-8, naming the document's position; on k1 < 0 or b outside [0, 1].
  explicit Bm25Index(std::span<const std::string> documents, Bm25Options options = {});
  // Indexes documents already tokenized (tokens used as given; options.tokenizer still analyzes
  // the queries given as text).
  static Bm25Index from_tokens(const std::vector<std::vector<std::string>>& documents,
                               Bm25Options options = {});

  // tokens_of(d, add) calls add with each token of document d, from many threads at once.
  using TokenSink = std::function<void(std::string&& token)>;
  using TokenFeed = std::function<void(int64_t doc, const TokenSink& add)>;

  // The k best documents for a query, best first (fewer when fewer documents hold a query
  // token). k >= 1.
  std::vector<Bm25Hit> search(std::string_view query, int64_t k) const;
  std::vector<Bm25Hit> search_tokens(std::span<const std::string> query_tokens, int64_t k) const;
  // Many queries in parallel: row q of the result holds query q's k best (ids -1 and scores
  // -infinity pad rows with fewer hits).
  TopK search_batch(std::span<const std::string> queries, int64_t k) const;

  // The BM25 score of one document for a tokenized query (0 when no token is in it).
  float score(std::span<const std::string> query_tokens, int64_t doc) const;

  // The analyzer's tokens for a text (what search() scores).
  std::vector<std::string> analyze(std::string_view text) const;

  int64_t num_documents() const { return std::ssize(doc_norms_); }
  int64_t num_terms() const { return std::ssize(term_offsets_) - 1; }
  int64_t num_postings() const { return std::ssize(posting_docs_); }
  double average_document_length() const { return average_length_; }
  // Documents holding an (analyzed) term.
  int64_t document_frequency(std::string_view term) const;
  const Bm25Options& options() const { return options_; }
  // Memory of the postings, norms and term dictionary (approximate for the dictionary).
  int64_t memory_bytes() const;

  // Writes the index to path atomically; load() reads it back, with a clear Error for a file
  // that is not a BM25 index, truncated, corrupted or inconsistent.
  void save(const std::string& path) const;
  static Bm25Index load(const std::string& path);
  void save_fields(IndexFileWriter& out) const;
  static Bm25Index read_fields(IndexFileReader& in);

 private:
  // Indexes num_documents documents, counted as their tokens come (tokens_of), a block at a time.
  Bm25Index(Bm25Options options, int64_t num_documents, const TokenFeed& tokens_of);
  explicit Bm25Index(Bm25Options options);
  // The term's id, or -1.
  int64_t term_id(std::string_view term) const;
  float idf(int64_t term) const;

  Bm25Options options_;
  Tokenizer tokenizer_;
  std::unordered_map<std::string, uint32_t> terms_;  // term -> id
  std::vector<int64_t> term_offsets_;                // num_terms + 1: term t's postings
  std::vector<uint32_t> posting_docs_;               // ascending within a term
  std::vector<uint32_t> posting_tfs_;                // term frequency, beside posting_docs_
  std::vector<float> doc_norms_;                     // per document: k1 * (1 - b + b * dl / avgdl)
  double average_length_ = 0;
};

}  // namespace tessera
