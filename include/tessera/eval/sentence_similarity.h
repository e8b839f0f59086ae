// Sentence vectors from word vectors, and STS scoring: Spearman x 100 of the cosines of sentence
// pairs against human scores (STS Benchmark).
//
// A sentence is the tokens the model's tokenizer makes of it; each token takes its vocabulary
// row, or its char n-gram vector when the model has n-grams, or is skipped. Pooling:
// - mean: the plain average;
// - sif (Arora, Liang & Ma 2017, "A Simple but Tough-to-Beat Baseline for Sentence
//   Embeddings"): the average weighted by a / (a + p(w)), p(w) the word's count over the sum of
//   the vocabulary's counts (the words min_count kept; a word outside them counts as the
//   rarest), then the
//   projection on the first singular vector of all the sentences' vectors removed (the
//   component every sentence shares: frequent-word and syntax directions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/core/enum_names.h"
#include "tessera/core/tensor.h"
#include "tessera/data/pair_reader.h"
#include "tessera/eval/word_evaluation.h"

namespace tessera {

enum class SentencePooling { kMean, kSif };
inline constexpr EnumName<SentencePooling> kSentencePoolingNames[] = {
    {SentencePooling::kMean, "mean"}, {SentencePooling::kSif, "sif"}};
template <>
inline constexpr EnumNames<SentencePooling> enum_names<SentencePooling> = kSentencePoolingNames;

struct SentenceVectorOptions {
  SentencePooling pooling = SentencePooling::kSif;
  double sif_a = 1e-3;  // Arora et al.'s a (they found 1e-3 to 1e-4 best)
};

// texts -> (n x dim) sentence vectors from a model's word vectors, tokenized by its featurizer (a
// sentence without a word with a vector is a zero row). SIF's first component is taken over
// these texts.
Tensor sentence_vectors(const ModelWordVectors& words, const std::vector<std::string>& texts,
                        const SentenceVectorOptions& options = {});

struct StsResult {
  int64_t pairs = 0;
  double spearman = 0;  // x 100
};

// Every pair's two sentences embedded together (SIF's component over all of them), the cosine
// of each pair ranked against the scores.
StsResult evaluate_sts(const ModelWordVectors& words, const std::vector<ScoredPair>& pairs,
                       const SentenceVectorOptions& options = {});

}  // namespace tessera
