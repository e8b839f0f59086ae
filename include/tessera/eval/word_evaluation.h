// Word-level evaluation of word vectors: similarity benchmarks (Spearman's rank correlation of
// cosines with human scores) and word analogies (3CosAdd and 3CosMul).
//
// Words are looked up as written, then case-folded (a vocabulary of "Paris" answers "paris").
// Similarity reports two figures, as the fastText paper does: over the pairs whose words are
// both in the vocabulary ("covered"), and over all pairs, where a word outside the vocabulary
// takes the vector a subword model computes for it, or, with none, the pair scores 0 (a null
// vector, fastText's "sisg-").
//
// Analogies follow gensim's evaluate_word_analogies: the candidates are the first
// `analogy_vocabulary` words of the vocabulary (30,000; frequency order), compared case-folded
// (the first of several case variants wins); a question with a word outside them is skipped;
// the answer is the best candidate other than a, b and c. 3CosAdd: cos(d, b) - cos(d, a) +
// cos(d, c); 3CosMul (Levy & Goldberg 2014): cos'(d, b) cos'(d, c) / (cos'(d, a) + 0.001) with
// cos' = (cos + 1) / 2. Sections whose name starts with "gram" are syntactic, the rest
// semantic (the Google set's convention).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tessera/core/tensor.h"
#include "tessera/data/word_benchmarks.h"
#include "tessera/data/word_vectors_file.h"
#include "tessera/model/model.h"

namespace tessera {

// What the evaluations read vectors from: a table of words (a .vec file) or a model, whose char
// n-grams give any word a vector.
class WordVectorSource {
 public:
  virtual ~WordVectorSource() = default;
  virtual int64_t dim() const = 0;
  // The words with rows, most frequent first (analogy candidates are taken from the front).
  virtual const std::vector<std::string>& vocabulary() const = 0;
  // The vector of vocabulary()[row] (dim values).
  virtual std::span<const float> row(int64_t row) const = 0;
  // A vector for a word outside the vocabulary (subwords): writes `out` and returns true, or
  // returns false (no way to make one).
  virtual bool out_of_vocabulary_vector(std::string_view word, std::span<float> out) const = 0;

  // The row of `word` as written, else of its case-folded form (the first word that folds to
  // it), or nullopt.
  std::optional<int64_t> find(std::string_view word) const;
  // The vector of `word`: its row (find), else its out-of-vocabulary vector written into
  // `scratch` (dim values), else an empty span. `row`, when given, is set to find(word).
  std::span<const float> vector_of(std::string_view word, std::span<float> scratch,
                                   std::optional<int64_t>* row = nullptr) const;

 protected:
  // Builds find()'s maps from vocabulary(); derived classes call it once their words are set.
  void index_vocabulary();

 private:
  std::unordered_map<std::string, int64_t> rows_;
  std::unordered_map<std::string, int64_t> folded_rows_;
};

// A WordVectors table as a source: no vectors outside the vocabulary.
class TableWordVectors final : public WordVectorSource {
 public:
  explicit TableWordVectors(WordVectors table);
  int64_t dim() const override { return table_.dim(); }
  const std::vector<std::string>& vocabulary() const override { return table_.words(); }
  std::span<const float> row(int64_t row) const override {
    return {table_.vectors().row(row), static_cast<size_t>(table_.dim())};
  }
  bool out_of_vocabulary_vector(std::string_view, std::span<float>) const override { return false; }

 private:
  WordVectors table_;
};

// A model's word tower as a source (a word model of `tessera train --task words` or `tessera
// import`, or any model whose `tower` reads features): its vocabulary's words, each the bag of
// its own features (not re-tokenized), and any other word from its char n-grams when the
// featurizer has them.
class ModelWordVectors final : public WordVectorSource {
 public:
  ModelWordVectors(const Model& model, std::string tower);
  const Model& model() const { return model_; }
  int64_t dim() const override { return rows_.cols(); }
  const std::vector<std::string>& vocabulary() const override { return words_; }
  std::span<const float> row(int64_t row) const override {
    return {rows_.row(row), static_cast<size_t>(rows_.cols())};
  }
  bool out_of_vocabulary_vector(std::string_view word, std::span<float> out) const override;

 private:
  const Model& model_;
  std::string tower_;
  std::vector<std::string> words_;
  Tensor rows_;
};

// The tower a model embeds words with: "word" (a word model's) when it has one, else "query".
std::string default_word_tower(const Model& model);

// The case-folded form of a word (Unicode full case folding; invalid UTF-8 repaired).
std::string fold_word_case(std::string_view word);

struct WordNeighbor {
  std::string word;
  double cosine = 0;
};

// The k vocabulary words nearest `word` by cosine (the word itself left out), or empty when the
// word has no vector.
std::vector<WordNeighbor> nearest_words(const WordVectorSource& vectors, std::string_view word,
                                        int64_t k);

struct WordSimilarityResult {
  std::string name;
  int64_t pairs = 0;
  int64_t covered = 0;          // both words in the vocabulary
  int64_t with_vectors = 0;     // both words with a vector (covered + subword vectors)
  double spearman_covered = 0;  // x 100, over the covered pairs (0 when fewer than 2)
  double spearman_all = 0;      // x 100, over all pairs
};

WordSimilarityResult evaluate_word_similarity(const WordVectorSource& vectors,
                                              const std::vector<WordPair>& pairs, std::string name);

// Cosine of two vectors in double precision; 0 when either is zero.
double cosine_similarity(std::span<const float> a, std::span<const float> b);

// Spearman's rank correlation (ties take their mean rank), in [-1, 1]; 0 for fewer than two
// values or a constant side.
double spearman_correlation(std::span<const double> x, std::span<const double> y);

struct AnalogySectionResult {
  std::string name;
  bool syntactic = false;
  int64_t questions = 0;
  int64_t covered = 0;
  int64_t correct_add = 0;
  int64_t correct_mul = 0;
};

struct AnalogyResult {
  int64_t vocabulary = 0;  // candidates
  std::vector<AnalogySectionResult> sections;
  AnalogySectionResult total, semantic, syntactic;  // sums
};

struct AnalogyOptions {
  int64_t vocabulary = 30000;  // candidates: the first words of the vocabulary
};

AnalogyResult evaluate_analogies(const WordVectorSource& vectors, const AnalogySet& set,
                                 const AnalogyOptions& options = {});

}  // namespace tessera
