#include "tessera/train/word_training.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "tessera/core/check.h"
#include "tessera/core/kernels.h"
#include "tessera/core/parallel.h"
#include "tessera/core/stopwatch.h"
#include "tessera/model/bag_encoder.h"
#include "tessera/model/id_encoder.h"
#include "tessera/text/featurizer.h"
#include "tessera/text/vocabulary_builder.h"

namespace tessera {
namespace {

constexpr int64_t kCountBatchLines = 4096;
constexpr int64_t kWordsPerProgressUpdate = 10000;  // a thread's words between shared updates
// Threads take turns by lines, a long line cut into chunks of this many tokens (word2vec's longest
// sentence): a corpus of one long line (text8) is shared too, and the learning rate moves within
// it.
constexpr int64_t kChunkWords = 1000;

void validate(const WordTrainingOptions& o) {
  TESSERA_CHECK(o.dim >= 1, "the dim must be >= 1, got {}", o.dim);
  TESSERA_CHECK(o.window >= 1, "the window must be >= 1, got {}", o.window);
  TESSERA_CHECK(o.negatives >= 1, "negatives must be >= 1, got {}", o.negatives);
  TESSERA_CHECK(o.min_count >= 1, "min_count must be >= 1, got {}", o.min_count);
  TESSERA_CHECK(o.sample >= 0, "sample must be >= 0, got {}", o.sample);
  TESSERA_CHECK(o.epochs >= 1, "epochs must be >= 1, got {}", o.epochs);
  TESSERA_CHECK(o.lr > 0 && std::isfinite(o.lr), "the learning rate must be > 0, got {}", o.lr);
  TESSERA_CHECK(o.char_ngram_min >= 0 && o.char_ngram_max >= o.char_ngram_min,
                "char n-grams {}..{}: need 0 <= min <= max", o.char_ngram_min, o.char_ngram_max);
  TESSERA_CHECK(o.threads >= 0, "threads must be >= 0, got {}", o.threads);
  TESSERA_CHECK(o.char_ngram_min == 0 || o.buckets >= 1, "char n-grams need buckets >= 1, got {}",
                o.buckets);
}

// Counts the corpus's words in batches of lines.
Vocabulary count_words(const std::function<LineSource()>& open_corpus, const Tokenizer& tokenizer,
                       int64_t min_count, int64_t& corpus_words) {
  VocabularyBuilder builder(tokenizer);
  LineSource source = open_corpus();
  std::vector<std::string> lines;
  int64_t first_line = 1;
  std::string_view line;
  auto flush = [&] {
    builder.add_texts(lines, source.name(), first_line);
    first_line += static_cast<int64_t>(lines.size());
    lines.clear();
  };
  while (source.next(line)) {
    lines.emplace_back(line);
    if (static_cast<int64_t>(lines.size()) == kCountBatchLines) flush();
  }
  flush();
  corpus_words = builder.progress().tokens;
  VocabularyOptions options;
  options.min_count = min_count;
  Vocabulary vocabulary = builder.build(options);
  TESSERA_CHECK(vocabulary.size() >= 1,
                "{}: no word occurs {} times or more ({} words in all): lower --min-count",
                source.name(), min_count, corpus_words);
  return vocabulary;
}

inline float sigmoid(float x) {
  x = std::clamp(x, -8.0f, 8.0f);
  return 1.0f / (1.0f + std::exp(-x));
}

// What every thread shares: the tables (updated without locks) and the read-only word data.
struct Tables {
  int64_t dim = 0;
  float* input = nullptr;   // features x dim: words' own rows, then char n-gram buckets
  float* output = nullptr;  // vocabulary x dim
  std::vector<int64_t> feature_offsets;  // word w's features: [offsets[w], offsets[w + 1])
  std::vector<int32_t> features;
  std::vector<float> keep;         // per word, the probability subsampling keeps it
  std::vector<int32_t> negatives;  // words in proportion to count^0.75

  std::span<const int32_t> features_of(int32_t word) const {
    const auto w = static_cast<size_t>(word);
    return {features.data() + feature_offsets[w],
            static_cast<size_t>(feature_offsets[w + 1] - feature_offsets[w])};
  }
};

std::vector<int32_t> negative_table(const Vocabulary& vocabulary) {
  double total = 0;
  for (int32_t w = 0; w < vocabulary.size(); ++w) {
    total += std::pow(static_cast<double>(vocabulary.count(w)), 0.75);
  }
  const int64_t size = std::clamp<int64_t>(int64_t{100} * vocabulary.size(), 1'000'000, 10'000'000);
  std::vector<int32_t> table;
  table.reserve(static_cast<size_t>(size));
  for (int32_t w = 0; w < vocabulary.size(); ++w) {
    const double share = std::pow(static_cast<double>(vocabulary.count(w)), 0.75) / total;
    const auto slots = std::max<int64_t>(1, std::llround(share * static_cast<double>(size)));
    table.insert(table.end(), static_cast<size_t>(slots), w);
  }
  return table;
}

// A worker's state: its random numbers, scratch vectors and loss since the last update.
struct Worker {
  std::minstd_rand rng;
  std::vector<float> hidden, grad;
  std::vector<int32_t> bag;  // CBOW: the context words' features
  double loss = 0;
  int64_t predictions = 0;
};

// One predicted word against `hidden`: the word itself and `negatives` draws; updates the output
// rows, accumulates the hidden vector's gradient.
void predict(const Tables& t, int32_t target, int32_t num_negatives, float lr, Worker& worker) {
  const int64_t dim = t.dim;
  for (int32_t n = 0; n <= num_negatives; ++n) {
    int32_t word = target;
    float label = 1.0f;
    if (n > 0) {
      word = t.negatives[worker.rng() % t.negatives.size()];
      if (word == target) continue;
      label = 0.0f;
    }
    float* out = t.output + static_cast<int64_t>(word) * dim;
    const float score = sigmoid(kernels::dot(worker.hidden.data(), out, dim));
    const float g = lr * (label - score);
    kernels::axpy(g, out, worker.grad.data(), dim);
    kernels::axpy(g, worker.hidden.data(), out, dim);
    worker.loss -= std::log(label > 0 ? score + 1e-7f : 1.0f - score + 1e-7f);
  }
  ++worker.predictions;
}

// hidden = the mean of the input rows of `features`; grad = 0.
void average_rows(const Tables& t, std::span<const int32_t> features, Worker& worker) {
  std::fill(worker.hidden.begin(), worker.hidden.end(), 0.0f);
  std::fill(worker.grad.begin(), worker.grad.end(), 0.0f);
  for (const int32_t f : features) {
    kernels::axpy(1.0f, t.input + static_cast<int64_t>(f) * t.dim, worker.hidden.data(), t.dim);
  }
  if (!features.empty()) {
    kernels::scale(1.0f / static_cast<float>(features.size()), worker.hidden.data(), t.dim);
  }
}

void apply_gradient(const Tables& t, std::span<const int32_t> features, const Worker& worker) {
  for (const int32_t f : features) {
    kernels::axpy(1.0f, worker.grad.data(), t.input + static_cast<int64_t>(f) * t.dim, t.dim);
  }
}

void train_line(const Tables& t, const WordTrainingOptions& o, std::span<const int32_t> words,
                float lr, Worker& worker) {
  const auto n = static_cast<int64_t>(words.size());
  for (int64_t i = 0; i < n; ++i) {
    const int64_t reach = 1 + static_cast<int64_t>(worker.rng() % static_cast<uint32_t>(o.window));
    const int64_t first = std::max<int64_t>(0, i - reach);
    const int64_t last = std::min<int64_t>(n - 1, i + reach);
    if (o.model == WordModelKind::kSkipgram) {
      const std::span<const int32_t> features = t.features_of(words[static_cast<size_t>(i)]);
      average_rows(t, features, worker);
      for (int64_t c = first; c <= last; ++c) {
        if (c != i) predict(t, words[static_cast<size_t>(c)], o.negatives, lr, worker);
      }
      apply_gradient(t, features, worker);
    } else {
      worker.bag.clear();
      for (int64_t c = first; c <= last; ++c) {
        if (c == i) continue;
        const std::span<const int32_t> features = t.features_of(words[static_cast<size_t>(c)]);
        worker.bag.insert(worker.bag.end(), features.begin(), features.end());
      }
      if (worker.bag.empty()) continue;
      average_rows(t, worker.bag, worker);
      predict(t, words[static_cast<size_t>(i)], o.negatives, lr, worker);
      apply_gradient(t, worker.bag, worker);
    }
  }
}

}  // namespace

Model train_word_vectors(const std::function<LineSource()>& open_corpus,
                         const WordTrainingOptions& options, WordTrainingReport* report,
                         const std::function<void(const WordTrainingProgress&)>& progress) {
  validate(options);
  const WordTrainingOptions& o = options;
  Stopwatch watch;
  const Tokenizer tokenizer(o.tokenizer);
  int64_t corpus_words = 0;
  Vocabulary vocabulary = count_words(open_corpus, tokenizer, o.min_count, corpus_words);
  const double count_seconds = watch.seconds();

  FeaturizerConfig config;
  config.tokenizer = o.tokenizer;
  config.word_ngrams = 1;
  config.char_ngram_min = o.char_ngram_min;
  config.char_ngram_max = o.char_ngram_max;
  config.buckets = o.char_ngram_min > 0 ? o.buckets : 0;
  config.weighting = FeatureWeighting::kBinary;  // a word's vector: the plain mean of its rows
  config.hash_seed = o.hash_seed;
  Featurizer featurizer = Featurizer::from_config(config, std::move(vocabulary));
  const Vocabulary& vocab = featurizer.vocabulary();
  const int32_t num_words = vocab.size();

  Tables t;
  t.dim = o.dim;
  t.feature_offsets.reserve(static_cast<size_t>(num_words) + 1);
  t.feature_offsets.push_back(0);
  for (int32_t w = 0; w < num_words; ++w) {
    const Features features = featurizer.featurize_tokens({vocab.word(w)});
    t.features.insert(t.features.end(), features.ids.begin(), features.ids.end());
    t.feature_offsets.push_back(static_cast<int64_t>(t.features.size()));
  }
  const double threshold = o.sample * static_cast<double>(corpus_words);
  t.keep.resize(static_cast<size_t>(num_words), 1.0f);
  for (int32_t w = 0; w < num_words && threshold > 0; ++w) {
    const double f = static_cast<double>(vocab.count(w));
    t.keep[static_cast<size_t>(w)] =
        static_cast<float>(std::min(1.0, (std::sqrt(f / threshold) + 1) * threshold / f));
  }
  t.negatives = negative_table(vocab);

  Tensor input = Tensor::empty({featurizer.num_features(), o.dim});
  Tensor output = Tensor::zeros({num_words, o.dim});
  {
    std::mt19937_64 rng(o.seed);
    const float bound = 1.0f / static_cast<float>(o.dim);
    std::uniform_real_distribution<float> uniform(-bound, bound);
    for (int64_t i = 0; i < input.numel(); ++i) input.data()[i] = uniform(rng);
  }
  t.input = input.data();
  t.output = output.data();

  // The passes: thread k trains on lines k, k + threads, ... of each pass.
  const int threads = o.threads > 0 ? std::min(o.threads, num_threads()) : num_threads();
  const int64_t total_words = corpus_words * o.epochs;
  std::atomic<int64_t> processed{0};
  std::mutex loss_mutex;
  double interval_loss = 0;
  int64_t interval_predictions = 0;
  double last_loss = 0;
  Stopwatch train_watch;
  double last_report = 0;
  parallel_for(threads, [&](int64_t first_thread, int64_t last_thread, int) {
    for (int64_t k = first_thread; k < last_thread; ++k) {
      Worker worker;
      worker.rng.seed(static_cast<uint32_t>(o.seed * 7919 + static_cast<uint64_t>(k) + 1));
      worker.hidden.resize(static_cast<size_t>(o.dim));
      worker.grad.resize(static_cast<size_t>(o.dim));
      std::vector<int32_t> words;
      std::uniform_real_distribution<float> unit(0.0f, 1.0f);
      int64_t unreported = 0;
      for (int32_t epoch = 0; epoch < o.epochs; ++epoch) {
        LineSource source = open_corpus();
        std::string_view line;
        int64_t segment = -1;  // in this pass: lines, long ones cut into chunks, taken in turns
        int64_t tokens = 0;    // this thread's since the last chunk trained
        // Trains the words gathered (a chunk, or what of it a line held), then reports.
        auto train_chunk = [&] {
          const double done = static_cast<double>(processed.load(std::memory_order_relaxed)) /
                              static_cast<double>(std::max<int64_t>(1, total_words));
          const float lr = o.lr * static_cast<float>(std::max(0.0, 1.0 - done));
          train_line(t, o, words, lr, worker);
          words.clear();
          unreported += tokens;
          tokens = 0;
          if (unreported < kWordsPerProgressUpdate) return;
          processed.fetch_add(unreported, std::memory_order_relaxed);
          unreported = 0;
          std::lock_guard<std::mutex> lock(loss_mutex);
          interval_loss += worker.loss;
          interval_predictions += worker.predictions;
          worker.loss = 0;
          worker.predictions = 0;
          if (k != 0 || !progress || train_watch.seconds() - last_report < 0.2) return;
          last_report = train_watch.seconds();
          if (interval_predictions > 0) {
            last_loss = interval_loss / static_cast<double>(interval_predictions);
          }
          interval_loss = 0;
          interval_predictions = 0;
          WordTrainingProgress p;
          p.words = processed.load(std::memory_order_relaxed);
          p.total_words = total_words;
          p.seconds = last_report;
          p.words_per_second_per_thread =
              static_cast<double>(p.words) / std::max(1e-9, p.seconds) / threads;
          p.loss = last_loss;
          p.lr = lr;
          progress(p);
        };
        while (source.next(line)) {
          ++segment;
          // A line of fewer bytes than a chunk's tokens is one segment: skipped unread when
          // it is another thread's.
          if (static_cast<int64_t>(line.size()) < kChunkWords && segment % threads != k) continue;
          int64_t position = 0;
          tokenizer.for_each_token(line, {}, [&](std::string&& token) {
            if (position > 0 && position % kChunkWords == 0) {  // a long line's next segment
              if (tokens > 0) train_chunk();
              ++segment;
            }
            ++position;
            if (segment % threads != k) return true;
            ++tokens;
            const int32_t id = vocab.id(token);
            if (id >= 0 && unit(worker.rng) < t.keep[static_cast<size_t>(id)]) words.push_back(id);
            return true;
          });
          if (tokens > 0) train_chunk();  // a line ends a sentence
        }
      }
      processed.fetch_add(unreported, std::memory_order_relaxed);
      std::lock_guard<std::mutex> lock(loss_mutex);
      interval_loss += worker.loss;
      interval_predictions += worker.predictions;
    }
  });
  const double train_seconds = train_watch.seconds();
  if (interval_predictions > 0)
    last_loss = interval_loss / static_cast<double>(interval_predictions);

  if (report) {
    report->vocabulary = num_words;
    report->corpus_words = corpus_words;
    report->count_seconds = count_seconds;
    report->train_seconds = train_seconds;
    report->words_per_second_per_thread =
        static_cast<double>(total_words) / std::max(1e-9, train_seconds) / threads;
    report->loss = last_loss;
  }

  std::vector<std::unique_ptr<Encoder>> encoders;
  encoders.push_back(
      std::make_unique<BagEncoder>(std::string(kWordTower), std::move(input), Pooling::kMean));
  encoders.push_back(std::make_unique<IdEncoder>(std::string(kContextTower), std::move(output)));
  const nlohmann::json provenance = {{"task", "words"},
                                     {"model", std::string(name_of(o.model))},
                                     {"dim", o.dim},
                                     {"window", o.window},
                                     {"negatives", o.negatives},
                                     {"min_count", o.min_count},
                                     {"sample", o.sample},
                                     {"epochs", o.epochs},
                                     {"lr", o.lr},
                                     {"char_ngrams", {o.char_ngram_min, o.char_ngram_max}},
                                     {"buckets", config.buckets},
                                     {"hash_seed", o.hash_seed},
                                     {"seed", o.seed},
                                     {"threads", threads},
                                     {"corpus_words", corpus_words}};
  return Model(std::move(featurizer), std::move(encoders),
               {{std::string(kWordTower), std::string(kWordTower)},
                {std::string(kContextTower), std::string(kContextTower)}},
               {o.dim}, Normalization::kNone, provenance.dump());
}

Model word_model_from_vectors(const WordVectors& table, const std::string& source) {
  std::vector<std::pair<std::string, int64_t>> counts;
  std::vector<int64_t> rows;
  for (int64_t row = 0; row < table.size(); ++row) {
    const std::string& word = table.words()[static_cast<size_t>(row)];
    if (table.find(word) != row) continue;  // a later duplicate
    // Descending counts keep the file's order (the vocabulary's canonical order).
    counts.emplace_back(word, table.size() - row);
    rows.push_back(row);
  }
  FeaturizerConfig config;
  config.tokenizer.normalize.case_fold = false;
  config.word_ngrams = 1;
  config.buckets = 0;
  config.weighting = FeatureWeighting::kBinary;
  Featurizer featurizer = Featurizer::from_config(config, Vocabulary::from_counts(counts));
  Tensor weights = Tensor::empty({static_cast<int64_t>(rows.size()), table.dim()});
  for (size_t i = 0; i < rows.size(); ++i) {
    std::copy_n(table.vectors().row(rows[i]), table.dim(), weights.row(static_cast<int64_t>(i)));
  }
  std::vector<std::unique_ptr<Encoder>> encoders;
  encoders.push_back(
      std::make_unique<BagEncoder>(std::string(kWordTower), std::move(weights), Pooling::kMean));
  const nlohmann::json provenance = {{"task", "words"}, {"imported", source}};
  return Model(std::move(featurizer), std::move(encoders),
               {{std::string(kWordTower), std::string(kWordTower)}}, {table.dim()},
               Normalization::kNone, provenance.dump());
}

}  // namespace tessera
