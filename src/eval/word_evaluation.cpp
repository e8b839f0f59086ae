#include "tessera/eval/word_evaluation.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "tessera/core/check.h"
#include "tessera/core/matmul.h"
#include "tessera/core/ops.h"
#include "tessera/core/parallel.h"
#include "tessera/text/normalize.h"
#include "tessera/train/word_training.h"

namespace tessera {
namespace {

// Ranks from 1, ties sharing their mean rank.
std::vector<double> mean_ranks(std::span<const double> values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = (static_cast<double>(i + j) / 2.0) + 1.0;
    for (size_t t = i; t <= j; ++t) ranks[order[t]] = rank;
    i = j + 1;
  }
  return ranks;
}

double pearson(std::span<const double> x, std::span<const double> y) {
  const double n = static_cast<double>(x.size());
  const double mean_x = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double mean_y = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double xy = 0, xx = 0, yy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    xy += (x[i] - mean_x) * (y[i] - mean_y);
    xx += (x[i] - mean_x) * (x[i] - mean_x);
    yy += (y[i] - mean_y) * (y[i] - mean_y);
  }
  return xx == 0 || yy == 0 ? 0.0 : xy / std::sqrt(xx * yy);
}

bool is_ascii(std::string_view word) {
  return std::all_of(word.begin(), word.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

void add_counts(AnalogySectionResult& sum, const AnalogySectionResult& part) {
  sum.questions += part.questions;
  sum.covered += part.covered;
  sum.correct_add += part.correct_add;
  sum.correct_mul += part.correct_mul;
}

}  // namespace

std::string default_word_tower(const Model& model) {
  return model.towers().count(std::string(kWordTower)) ? std::string(kWordTower)
                                                       : std::string(kQueryTower);
}

std::string fold_word_case(std::string_view word) {
  if (is_ascii(word)) {
    std::string folded(word);
    for (char& c : folded) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return folded;
  }
  NormalizeOptions options;
  options.nfkc = false;
  options.on_invalid_utf8 = InvalidUtf8::kReplace;
  return normalize_text(word, options);
}

void WordVectorSource::index_vocabulary() {
  const std::vector<std::string>& words = vocabulary();
  rows_.reserve(words.size());
  folded_rows_.reserve(words.size());
  for (size_t row = 0; row < words.size(); ++row) {
    rows_.emplace(words[row], static_cast<int64_t>(row));
    folded_rows_.emplace(fold_word_case(words[row]), static_cast<int64_t>(row));
  }
}

std::optional<int64_t> WordVectorSource::find(std::string_view word) const {
  auto it = rows_.find(std::string(word));
  if (it != rows_.end()) return it->second;
  it = folded_rows_.find(fold_word_case(word));
  if (it != folded_rows_.end()) return it->second;
  return std::nullopt;
}

std::span<const float> WordVectorSource::vector_of(std::string_view word, std::span<float> scratch,
                                                   std::optional<int64_t>* row) const {
  const std::optional<int64_t> found = find(word);
  if (row) *row = found;
  if (found) return this->row(*found);
  if (out_of_vocabulary_vector(word, scratch)) return scratch;
  return {};
}

TableWordVectors::TableWordVectors(WordVectors table) : table_(std::move(table)) {
  index_vocabulary();
}

ModelWordVectors::ModelWordVectors(const Model& model, std::string tower)
    : model_(model), tower_(std::move(tower)) {
  const Encoder& encoder = model.tower(tower_);
  TESSERA_CHECK(encoder.input_kind() == EncoderInputKind::kFeatures,
                "tower '{}' does not read words (its encoder takes ids)", tower_);
  const Featurizer& featurizer = model.featurizer();
  const Vocabulary& vocabulary = featurizer.vocabulary();
  words_.reserve(static_cast<size_t>(vocabulary.size()));
  EncoderInput input;
  for (int32_t id = 0; id < vocabulary.size(); ++id) {
    words_.push_back(vocabulary.word(id));
    const Features features = featurizer.featurize_tokens({words_.back()});
    input.bags.add(features.ids, features.weights);
  }
  rows_ = encoder.encode(input);
  index_vocabulary();
}

bool ModelWordVectors::out_of_vocabulary_vector(std::string_view word, std::span<float> out) const {
  if (model_.featurizer().config().buckets == 0) return false;
  const Tensor vector = model_.encode({std::string(word)}, tower_);
  const float* values = vector.row(0);
  if (std::all_of(values, values + vector.cols(), [](float v) { return v == 0.0f; })) return false;
  std::copy(values, values + vector.cols(), out.begin());
  return true;
}

std::vector<WordNeighbor> nearest_words(const WordVectorSource& vectors, std::string_view word,
                                        int64_t k) {
  TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  std::vector<float> scratch(static_cast<size_t>(vectors.dim()));
  std::optional<int64_t> self;
  const std::span<const float> query = vectors.vector_of(word, scratch, &self);
  if (query.empty()) return {};
  const auto n = static_cast<int64_t>(vectors.vocabulary().size());
  std::vector<std::pair<double, int64_t>> scored;
  scored.reserve(static_cast<size_t>(n));
  for (int64_t row = 0; row < n; ++row) {
    if (self && row == *self) continue;
    if (vectors.find(vectors.vocabulary()[static_cast<size_t>(row)]) != row)
      continue;  // a duplicate
    scored.emplace_back(cosine_similarity(query, vectors.row(row)), row);
  }
  const auto keep = static_cast<size_t>(std::min<int64_t>(k, static_cast<int64_t>(scored.size())));
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(keep),
                    scored.end(), [](const auto& a, const auto& b) {
                      return a.first != b.first ? a.first > b.first : a.second < b.second;
                    });
  std::vector<WordNeighbor> neighbors;
  for (size_t i = 0; i < keep; ++i) {
    neighbors.push_back(
        {vectors.vocabulary()[static_cast<size_t>(scored[i].second)], scored[i].first});
  }
  return neighbors;
}

double cosine_similarity(std::span<const float> a, std::span<const float> b) {
  TESSERA_CHECK(a.size() == b.size(), "cosine of {} and {} values", a.size(), b.size());
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return aa == 0 || bb == 0 ? 0.0 : ab / std::sqrt(aa * bb);
}

double spearman_correlation(std::span<const double> x, std::span<const double> y) {
  TESSERA_CHECK(x.size() == y.size(), "spearman of {} and {} values", x.size(), y.size());
  if (x.size() < 2) return 0.0;
  const std::vector<double> rx = mean_ranks(x);
  const std::vector<double> ry = mean_ranks(y);
  return pearson(rx, ry);
}

WordSimilarityResult evaluate_word_similarity(const WordVectorSource& vectors,
                                              const std::vector<WordPair>& pairs,
                                              std::string name) {
  WordSimilarityResult result;
  result.name = std::move(name);
  result.pairs = static_cast<int64_t>(pairs.size());
  const auto dim = static_cast<size_t>(vectors.dim());
  std::vector<float> first_oov(dim), second_oov(dim);
  std::vector<double> human_all, model_all, human_covered, model_covered;
  for (const WordPair& pair : pairs) {
    std::optional<int64_t> first_row, second_row;
    const std::span<const float> a = vectors.vector_of(pair.first, first_oov, &first_row);
    const std::span<const float> b = vectors.vector_of(pair.second, second_oov, &second_row);
    const bool both = !a.empty() && !b.empty();
    const double similarity = both ? cosine_similarity(a, b) : 0.0;
    human_all.push_back(pair.score);
    model_all.push_back(similarity);
    if (both) ++result.with_vectors;
    if (first_row && second_row) {
      ++result.covered;
      human_covered.push_back(pair.score);
      model_covered.push_back(similarity);
    }
  }
  result.spearman_covered = 100.0 * spearman_correlation(human_covered, model_covered);
  result.spearman_all = 100.0 * spearman_correlation(human_all, model_all);
  return result;
}

AnalogyResult evaluate_analogies(const WordVectorSource& vectors, const AnalogySet& set,
                                 const AnalogyOptions& options) {
  TESSERA_CHECK(options.vocabulary >= 1, "the analogy vocabulary must be >= 1, got {}",
                options.vocabulary);
  const int64_t n =
      std::min<int64_t>(options.vocabulary, static_cast<int64_t>(vectors.vocabulary().size()));
  // Candidates: the first of each case-folded form among the first n words.
  std::unordered_map<std::string, int64_t> candidate_of;
  std::vector<int64_t> rows;
  for (int64_t row = 0; row < n; ++row) {
    if (candidate_of
            .emplace(fold_word_case(vectors.vocabulary()[static_cast<size_t>(row)]),
                     static_cast<int64_t>(rows.size()))
            .second) {
      rows.push_back(row);
    }
  }
  Tensor candidates = Tensor::empty({static_cast<int64_t>(rows.size()), vectors.dim()});
  for (size_t c = 0; c < rows.size(); ++c) {
    const std::span<const float> row = vectors.row(rows[c]);
    std::copy(row.begin(), row.end(), candidates.row(static_cast<int64_t>(c)));
  }
  candidates = l2_normalized_prefix(candidates, vectors.dim());

  AnalogyResult result;
  result.vocabulary = static_cast<int64_t>(rows.size());
  result.sections.resize(set.sections.size());
  for (size_t s = 0; s < set.sections.size(); ++s) {
    result.sections[s].name = set.sections[s];
    result.sections[s].syntactic = set.sections[s].rfind("gram", 0) == 0;
  }
  // The covered questions, as candidate indices a, b, c, d.
  std::vector<std::array<int64_t, 4>> covered;
  std::vector<int32_t> covered_section;
  for (const AnalogyQuestion& q : set.questions) {
    AnalogySectionResult& section = result.sections[static_cast<size_t>(q.section)];
    ++section.questions;
    std::array<int64_t, 4> ids{};
    bool all_found = true;
    const std::array<const std::string*, 4> words{&q.a, &q.b, &q.c, &q.d};
    for (size_t w = 0; w < 4 && all_found; ++w) {
      const auto it = candidate_of.find(fold_word_case(*words[w]));
      all_found = it != candidate_of.end();
      if (all_found) ids[w] = it->second;
    }
    if (!all_found) continue;
    ++section.covered;
    covered.push_back(ids);
    covered_section.push_back(q.section);
  }

  // Cosines of a, b and c with every candidate, a block of questions at a time.
  constexpr int64_t kBlock = 128;  // questions: 3 x 128 rows of cosines, 46 MB at 30k words
  const int64_t num_candidates = candidates.rows();
  const int64_t num_covered = static_cast<int64_t>(covered.size());
  std::vector<uint8_t> add_correct(covered.size()), mul_correct(covered.size());
  for (int64_t q0 = 0; q0 < num_covered; q0 += kBlock) {
    const int64_t q1 = std::min(num_covered, q0 + kBlock);
    const int64_t m = q1 - q0;
    Tensor queries = Tensor::empty({3 * m, vectors.dim()});
    for (int64_t q = q0; q < q1; ++q) {
      for (int64_t w = 0; w < 3; ++w) {
        std::copy_n(candidates.row(covered[static_cast<size_t>(q)][static_cast<size_t>(w)]),
                    vectors.dim(), queries.row(w * m + (q - q0)));
      }
    }
    const Tensor cosines = matmul(queries, candidates, false, true);  // (3m) x candidates
    parallel_for(m, [&](int64_t first, int64_t last, int) {
      for (int64_t i = first; i < last; ++i) {
        const std::array<int64_t, 4>& ids = covered[static_cast<size_t>(q0 + i)];
        const float* ca = cosines.row(i);
        const float* cb = cosines.row(m + i);
        const float* cc = cosines.row(2 * m + i);
        int64_t best_add = -1, best_mul = -1;
        float top_add = -std::numeric_limits<float>::infinity();
        float top_mul = -std::numeric_limits<float>::infinity();
        for (int64_t d = 0; d < num_candidates; ++d) {
          if (d == ids[0] || d == ids[1] || d == ids[2]) continue;
          const float add = cb[d] - ca[d] + cc[d];
          const float mul =
              ((cb[d] + 1) * 0.5f) * ((cc[d] + 1) * 0.5f) / ((ca[d] + 1) * 0.5f + 1e-3f);
          if (add > top_add) {
            top_add = add;
            best_add = d;
          }
          if (mul > top_mul) {
            top_mul = mul;
            best_mul = d;
          }
        }
        add_correct[static_cast<size_t>(q0 + i)] = best_add == ids[3];
        mul_correct[static_cast<size_t>(q0 + i)] = best_mul == ids[3];
      }
    });
  }
  for (size_t q = 0; q < covered.size(); ++q) {
    AnalogySectionResult& section = result.sections[static_cast<size_t>(covered_section[q])];
    section.correct_add += add_correct[q];
    section.correct_mul += mul_correct[q];
  }
  result.total.name = "total";
  result.semantic.name = "semantic";
  result.syntactic.name = "syntactic";
  result.syntactic.syntactic = true;
  for (const AnalogySectionResult& section : result.sections) {
    add_counts(result.total, section);
    add_counts(section.syntactic ? result.syntactic : result.semantic, section);
  }
  return result;
}

}  // namespace tessera
