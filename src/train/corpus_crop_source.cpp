#include "tessera/train/corpus_crop_source.h"

#include <fmt/format.h>

#include <algorithm>

#include "tessera/core/check.h"
#include "tessera/core/parallel.h"
#include "tessera/core/utf8.h"
#include "tessera/train/batcher.h"
#include "tessera/train/text_pair_source.h"

namespace tessera {

CorpusCropSource::CorpusCropSource(const Featurizer& featurizer,
                                   const std::vector<BeirDocument>& corpus,
                                   const CropOptions& options, std::string name)
    : featurizer_(&featurizer), options_(options), name_(std::move(name)) {
  TESSERA_CHECK(options.pairs_per_document >= 1 && options.pairs_per_document <= kMaxSlotsPerEpoch,
                "pairs per document must be in [1, {}], got {}", kMaxSlotsPerEpoch,
                options.pairs_per_document);
  TESSERA_CHECK(options.span_min >= 1 && options.span_max >= options.span_min,
                "need 1 <= span min <= span max, got {} and {}", options.span_min,
                options.span_max);
  TESSERA_CHECK(options.perturb.typo >= 0 && options.perturb.typo <= 1 &&
                    options.perturb.word_drop >= 0 && options.perturb.word_drop < 1 &&
                    options.perturb.shuffle_window >= 0,
                "perturbation probabilities must be in [0, 1) and the shuffle window >= 0");
  const Tokenizer tokenizer(featurizer.config().tokenizer);
  std::vector<Document> all(corpus.size());
  parallel_for(
      static_cast<int64_t>(corpus.size()),
      [&](int64_t begin, int64_t end, int) {
        for (int64_t i = begin; i < end; ++i) {
          const BeirDocument& doc = corpus[static_cast<size_t>(i)];
          Document& out = all[static_cast<size_t>(i)];
          const std::string where = fmt::format("{}:{}", name_, doc.line);
          out.title = tokenizer.tokenize(doc.title, where);
          out.body = tokenizer.tokenize(doc.text, where);
          out.key = corpus_document_key(doc.id);
        }
      },
      16);
  for (Document& doc : all) {
    if (!doc.body.empty()) documents_.push_back(std::move(doc));
  }
}

std::string CorpusCropSource::describe() const {
  return fmt::format("{} (crops: {} documents x {} pairs, spans {}-{} tokens{})", name_,
                     documents_.size(), options_.pairs_per_document, options_.span_min,
                     options_.span_max, options_.perturb.any() ? ", perturbed queries" : "");
}

int64_t CorpusCropSource::size() const {
  return static_cast<int64_t>(documents_.size()) * options_.pairs_per_document;
}

ExampleKeys CorpusCropSource::keys(int64_t item) const {
  const Document& doc = documents_[static_cast<size_t>(item / options_.pairs_per_document)];
  // Both sides come from one document: its key stands for the query as well.
  return ExampleKeys{doc.key, {doc.key}};
}

void CorpusCropSource::crop(const std::vector<std::string>& body, Random& random,
                            std::vector<std::string>& out) const {
  const int64_t n = static_cast<int64_t>(body.size());
  const int64_t length = std::min(n, random.between(options_.span_min, options_.span_max));
  const int64_t start = random.between(0, n - length);
  out.assign(body.begin() + start, body.begin() + start + length);
}

void CorpusCropSource::draw_tokens(int64_t item, Random& random, std::vector<std::string>& query,
                                   std::vector<std::string>* positive) const {
  const Document& doc = documents_[static_cast<size_t>(item / options_.pairs_per_document)];
  const bool use_title = item % options_.pairs_per_document % 2 == 0 && !doc.title.empty();
  // The random draws happen in one order whether or not the positive is wanted, so
  // draw_anchor sees the same query as draw.
  if (use_title) {
    query = doc.title;
  } else {
    crop(doc.body, random, query);
  }
  std::vector<std::string> scratch;
  crop(doc.body, random, positive != nullptr ? *positive : scratch);
  if (options_.perturb.any()) perturb_tokens(query, options_.perturb, random);
}

void CorpusCropSource::draw(int64_t item, Random& random, Example& out) const {
  std::vector<std::string> query, positive;
  draw_tokens(item, random, query, &positive);
  out.anchor = featurizer_->featurize_tokens(query);
  out.positives.assign(1, featurizer_->featurize_tokens(positive));
  out.negatives.clear();
}

Features CorpusCropSource::draw_anchor(int64_t item, Random& random) const {
  std::vector<std::string> query;
  draw_tokens(item, random, query, nullptr);
  return featurizer_->featurize_tokens(query);
}

namespace {

// One random edit of a word: delete, duplicate or swap adjacent code points, or replace one
// with a random ASCII letter. Words of one code point are left alone.
void typo(std::string& word, Random& random) {
  std::vector<std::string> chars;
  for (size_t i = 0; i < word.size();) {
    const auto len = static_cast<size_t>(decode_utf8(word, i).length);
    chars.push_back(word.substr(i, len));
    i += len;
  }
  if (chars.size() < 2) return;
  const size_t at = random.below(chars.size());
  switch (random.below(4)) {
    case 0:
      chars.erase(chars.begin() + static_cast<std::ptrdiff_t>(at));
      break;
    case 1:
      chars.insert(chars.begin() + static_cast<std::ptrdiff_t>(at), chars[at]);
      break;
    case 2:
      std::swap(chars[at], chars[at + 1 < chars.size() ? at + 1 : at - 1]);
      break;
    default:
      chars[at] = std::string(1, static_cast<char>('a' + random.below(26)));
  }
  word.clear();
  for (const std::string& c : chars) word += c;
}

}  // namespace

void perturb_tokens(std::vector<std::string>& tokens, const PerturbationOptions& options,
                    Random& random) {
  if (tokens.empty()) return;
  if (options.word_drop > 0) {
    std::vector<std::string> kept;
    for (std::string& token : tokens) {
      if (random.uniform() >= options.word_drop) kept.push_back(std::move(token));
    }
    if (kept.empty()) kept.push_back(std::move(tokens[random.below(tokens.size())]));
    tokens = std::move(kept);
  }
  if (options.typo > 0) {
    for (std::string& token : tokens) {
      if (random.uniform() < options.typo) typo(token, random);
    }
  }
  if (options.shuffle_window > 0) {
    // Each token moves to a position within the window: sort by index + uniform noise
    // (Lample et al., "Unsupervised Machine Translation Using Monolingual Corpora Only").
    std::vector<std::pair<double, size_t>> keys(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) {
      keys[i] = {static_cast<double>(i) +
                     random.uniform() * static_cast<double>(options.shuffle_window + 1),
                 i};
    }
    std::sort(keys.begin(), keys.end());
    std::vector<std::string> shuffled;
    shuffled.reserve(tokens.size());
    for (const auto& [key, i] : keys) shuffled.push_back(std::move(tokens[i]));
    tokens = std::move(shuffled);
  }
}

}  // namespace tessera
