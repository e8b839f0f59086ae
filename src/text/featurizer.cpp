#include "tessera/text/featurizer.h"

#include <algorithm>
#include <cmath>
#include <span>
#include <utility>

#include "tessera/core/check.h"
#include "tessera/core/parallel.h"
#include "tessera/text/hashing.h"

namespace tessera {

namespace {

// Appends the character n-gram hashes of one token (fastText's Dictionary::computeSubwords,
// over code points of "<token>").
void add_char_ngrams(const std::string& token, const FeaturizerConfig& config, int64_t offset,
                     std::vector<int32_t>& ids, std::string& marked, std::vector<size_t>& starts) {
  marked.clear();
  marked.push_back('<');
  marked.append(token);
  marked.push_back('>');
  // Byte offset of every code point, and the end.
  starts.clear();
  for (size_t i = 0; i < marked.size(); ++i) {
    if ((static_cast<unsigned char>(marked[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(marked.size());
  const size_t chars = starts.size() - 1;
  const auto min_n = static_cast<size_t>(config.char_ngram_min);
  const auto max_n = static_cast<size_t>(config.char_ngram_max);
  const auto buckets = static_cast<uint64_t>(config.buckets);
  for (size_t i = 0; i < chars; ++i) {
    for (size_t n = min_n; n <= max_n && i + n <= chars; ++n) {
      if (n == 1 && (i == 0 || i + 1 == chars)) continue;  // the lone boundary markers
      const std::string_view gram(marked.data() + starts[i], starts[i + n] - starts[i]);
      const uint64_t bucket = char_ngram_hash(gram, config.hash_seed) % buckets;
      ids.push_back(static_cast<int32_t>(offset + static_cast<int64_t>(bucket)));
    }
  }
}

// Raw ids gathered before they are sorted and merged into counts: a long text (a 50 MB line with
// every token's character n-grams) costs the memory of its distinct features, not of every id.
constexpr size_t kRawIdsBuffer = size_t{1} << 20;

// Sorts ids and merges them into counted (ascending ids, with their counts); clears ids.
void merge_counts(std::vector<int32_t>& ids, std::vector<std::pair<int32_t, uint32_t>>& counted) {
  std::sort(ids.begin(), ids.end());
  std::vector<std::pair<int32_t, uint32_t>> merged;
  merged.reserve(counted.size() + ids.size() / 4);
  size_t c = 0;
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j < ids.size() && ids[j] == ids[i]) ++j;
    while (c < counted.size() && counted[c].first < ids[i]) merged.push_back(counted[c++]);
    auto count = static_cast<uint32_t>(j - i);
    if (c < counted.size() && counted[c].first == ids[i]) count += counted[c++].second;
    merged.emplace_back(ids[i], count);
    i = j;
  }
  merged.insert(merged.end(), counted.begin() + static_cast<std::ptrdiff_t>(c), counted.end());
  counted.swap(merged);
  ids.clear();
}

}  // namespace

Featurizer::Featurizer(const FeaturizerConfig& config, Vocabulary vocabulary)
    : config_(config),
      vocabulary_(std::move(vocabulary)),
      tokenizer_(config.tokenizer),
      end_word_id_(config.end_word ? vocabulary_.id(kEndWord) : -1) {}

Featurizer Featurizer::from_config(const FeaturizerConfig& config, Vocabulary vocabulary) {
  config.validate();
  TESSERA_CHECK(static_cast<int64_t>(vocabulary.size()) + config.buckets <= INT32_MAX,
                "vocabulary of {} words plus {} buckets exceeds the int32 feature id space",
                vocabulary.size(), config.buckets);
  return Featurizer(config, std::move(vocabulary));
}

std::vector<std::string> Featurizer::tokens(std::string_view text, std::string_view where) const {
  // The rest of a long text is never normalized nor split.
  return tokenizer_.tokenize(text, where, static_cast<size_t>(config_.max_tokens));
}

Features Featurizer::featurize(std::string_view text, std::string_view where) const {
  return featurize_tokens(tokens(text, where));
}

std::vector<Features> Featurizer::featurize_all(std::span<const std::string> texts,
                                                std::string_view source, int64_t first_line) const {
  std::vector<Features> out(texts.size());
  parallel_for(
      static_cast<int64_t>(texts.size()),
      [&](int64_t begin, int64_t end, int) {
        for (int64_t i = begin; i < end; ++i) {
          try {
            out[static_cast<size_t>(i)] = featurize(texts[static_cast<size_t>(i)]);
          } catch (const Error& e) {
            // The location is formatted only on failure: the common path stays free of it.
            if (source.empty()) throw;
            throw Error(fmt::format("{}:{}: {}", source, first_line + i, e.what()));
          }
        }
      },
      16);
  return out;
}

Features Featurizer::featurize_tokens(const std::vector<std::string>& tokens) const {
  const int64_t offset = vocabulary_.size();
  const auto buckets = static_cast<uint64_t>(config_.buckets);
  std::vector<int32_t> ids;
  ids.reserve(std::min(tokens.size() * 2, kRawIdsBuffer));
  std::vector<std::pair<int32_t, uint32_t>> counted;  // once ids has filled up
  const auto merge_if_full = [&] {
    if (ids.size() >= kRawIdsBuffer) merge_counts(ids, counted);
  };
  for (const std::string& token : tokens) {
    const int32_t id = vocabulary_.id(token);
    if (id >= 0) ids.push_back(id);
    merge_if_full();
  }
  if (end_word_id_ >= 0) ids.push_back(end_word_id_);
  if (config_.word_ngrams >= 2 && tokens.size() >= 2) {
    std::vector<uint32_t> hashes(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) hashes[i] = fnv1a32(tokens[i]);
    for (size_t n = 2; n <= static_cast<size_t>(config_.word_ngrams); ++n) {
      for (size_t i = 0; i + n <= hashes.size(); ++i) {
        const uint64_t x =
            word_ngram_hash(std::span<const uint32_t>(hashes.data() + i, n), config_.hash_seed);
        ids.push_back(static_cast<int32_t>(offset + static_cast<int64_t>(x % buckets)));
        merge_if_full();
      }
    }
  }
  if (config_.char_ngram_max > 0) {
    std::string marked;
    std::vector<size_t> starts;
    for (const std::string& token : tokens) {
      add_char_ngrams(token, config_, offset, ids, marked, starts);
      merge_if_full();
    }
  }
  Features features;
  const auto add = [&](int32_t id, uint32_t tally) {
    const auto count = static_cast<float>(tally);
    float weight = count;
    if (config_.weighting == FeatureWeighting::kBinary) weight = 1.0f;
    if (config_.weighting == FeatureWeighting::kSublinear) weight = 1.0f + std::log(count);
    features.ids.push_back(id);
    features.weights.push_back(weight);
  };
  if (counted.empty()) {  // the common case, a text of fewer ids than the buffer: counted here
    std::sort(ids.begin(), ids.end());
    for (size_t i = 0; i < ids.size();) {
      size_t j = i;
      while (j < ids.size() && ids[j] == ids[i]) ++j;
      add(ids[i], static_cast<uint32_t>(j - i));
      i = j;
    }
    return features;
  }
  merge_counts(ids, counted);
  features.ids.reserve(counted.size());
  features.weights.reserve(counted.size());
  for (const auto& [id, tally] : counted) add(id, tally);
  return features;
}

}  // namespace tessera
