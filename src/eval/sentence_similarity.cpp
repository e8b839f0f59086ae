#include "tessera/eval/sentence_similarity.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "tessera/core/check.h"
#include "tessera/eval/word_evaluation.h"

namespace tessera {
namespace {

// The top right singular vector of x (n x d), by power iteration on x^T x.
std::vector<double> first_singular_vector(const Tensor& x) {
  const int64_t d = x.cols();
  std::vector<double> gram(static_cast<size_t>(d * d), 0.0);
  for (int64_t r = 0; r < x.rows(); ++r) {
    const float* row = x.row(r);
    for (int64_t i = 0; i < d; ++i) {
      for (int64_t j = 0; j < d; ++j) gram[static_cast<size_t>(i * d + j)] += row[i] * row[j];
    }
  }
  std::vector<double> u(static_cast<size_t>(d), 1.0 / std::sqrt(static_cast<double>(d)));
  std::vector<double> next(static_cast<size_t>(d));
  for (int iteration = 0; iteration < 200; ++iteration) {
    for (int64_t i = 0; i < d; ++i) {
      double sum = 0;
      for (int64_t j = 0; j < d; ++j) sum += gram[static_cast<size_t>(i * d + j)] * u[j];
      next[static_cast<size_t>(i)] = sum;
    }
    const double norm = std::sqrt(std::inner_product(next.begin(), next.end(), next.begin(), 0.0));
    if (norm == 0) return u;
    double change = 0;
    for (size_t i = 0; i < next.size(); ++i) {
      change += std::abs(next[i] / norm - u[i]);
      u[i] = next[i] / norm;
    }
    if (change < 1e-10) break;
  }
  return u;
}

}  // namespace

Tensor sentence_vectors(const ModelWordVectors& words, const std::vector<std::string>& texts,
                        const SentenceVectorOptions& options) {
  TESSERA_CHECK(options.sif_a > 0, "SIF's a must be > 0, got {}", options.sif_a);
  const Model& model = words.model();
  const Vocabulary& vocabulary = model.featurizer().vocabulary();
  double total = 0;
  int64_t rarest = 1;
  for (int32_t id = 0; id < vocabulary.size(); ++id) {
    total += static_cast<double>(vocabulary.count(id));
    rarest = id == 0 ? vocabulary.count(id) : std::min(rarest, vocabulary.count(id));
  }
  auto weight = [&](std::optional<int64_t> row) {
    if (options.pooling == SentencePooling::kMean) return 1.0;
    const double count = row ? static_cast<double>(vocabulary.count(static_cast<int32_t>(*row)))
                             : static_cast<double>(rarest);
    return options.sif_a / (options.sif_a + count / std::max(1.0, total));
  };
  const int64_t dim = words.dim();
  Tensor out = Tensor::zeros({static_cast<int64_t>(texts.size()), dim});
  std::vector<float> scratch(static_cast<size_t>(dim));
  for (size_t t = 0; t < texts.size(); ++t) {
    float* sentence = out.row(static_cast<int64_t>(t));
    int64_t used = 0;
    for (const std::string& token : model.featurizer().tokens(texts[t])) {
      std::optional<int64_t> row;
      const std::span<const float> vector = words.vector_of(token, scratch, &row);
      if (vector.empty()) continue;
      const auto w = static_cast<float>(weight(row));
      for (int64_t c = 0; c < dim; ++c) sentence[c] += w * vector[static_cast<size_t>(c)];
      ++used;
    }
    if (used > 0) {
      for (int64_t c = 0; c < dim; ++c) sentence[c] /= static_cast<float>(used);
    }
  }
  if (options.pooling == SentencePooling::kSif && out.rows() > 0) {
    const std::vector<double> u = first_singular_vector(out);
    for (int64_t r = 0; r < out.rows(); ++r) {
      float* row = out.row(r);
      double projection = 0;
      for (int64_t c = 0; c < dim; ++c) projection += row[c] * u[static_cast<size_t>(c)];
      for (int64_t c = 0; c < dim; ++c) {
        row[c] -= static_cast<float>(projection * u[static_cast<size_t>(c)]);
      }
    }
  }
  return out;
}

StsResult evaluate_sts(const ModelWordVectors& words, const std::vector<ScoredPair>& pairs,
                       const SentenceVectorOptions& options) {
  std::vector<std::string> texts;
  texts.reserve(2 * pairs.size());
  for (const ScoredPair& pair : pairs) {
    texts.push_back(pair.first);
    texts.push_back(pair.second);
  }
  const Tensor vectors = sentence_vectors(words, texts, options);
  std::vector<double> human, predicted;
  for (size_t i = 0; i < pairs.size(); ++i) {
    human.push_back(pairs[i].score);
    const auto dim = static_cast<size_t>(vectors.cols());
    predicted.push_back(cosine_similarity({vectors.row(static_cast<int64_t>(2 * i)), dim},
                                          {vectors.row(static_cast<int64_t>(2 * i + 1)), dim}));
  }
  StsResult result;
  result.pairs = static_cast<int64_t>(pairs.size());
  result.spearman = 100.0 * spearman_correlation(human, predicted);
  return result;
}

}  // namespace tessera
