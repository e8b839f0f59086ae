#include "tessera/train/training_data.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

#include "tessera/core/check.h"
#include "tessera/core/random.h"
#include "tessera/data/text_input.h"
#include "tessera/text/vocabulary_builder.h"
#include "tessera/train/text_pair_source.h"

namespace tessera {

namespace {

bool ends_with_any(const std::string& path, std::initializer_list<const char*> suffixes) {
  for (const char* s : suffixes) {
    if (path.ends_with(s)) return true;
  }
  return false;
}

// A corpus file: BEIR corpus.jsonl ({_id, title?, text}) when JSONL with no field given, else
// one document per text of the input (id = line number).
std::vector<BeirDocument> read_corpus(const std::string& path, const std::string& field,
                                      InvalidUtf8 on_invalid_utf8) {
  if (field.empty() && ends_with_any(path, {".jsonl", ".jsonl.gz"})) {
    return read_beir_corpus(path, on_invalid_utf8);
  }
  std::vector<BeirDocument> docs;
  TextInputOptions input_options{path, TextFormat::kAuto, field};
  input_options.on_invalid_utf8 = on_invalid_utf8;
  TextInput input(input_options);
  std::string text;
  int64_t line = 0;
  while (input.next(text, line)) {
    BeirDocument doc;
    doc.id = std::to_string(line);
    doc.text = std::move(text);
    doc.line = line;
    docs.push_back(std::move(doc));
  }
  return docs;
}

std::vector<TextPair> read_pairs(const std::string& path, const PairFields& fields,
                                 InvalidUtf8 on_invalid_utf8) {
  std::vector<TextPair> pairs;
  PairReader reader = [&] {
    if (ends_with_any(path, {".jsonl", ".jsonl.gz", ".json"})) {
      return PairReader::jsonl(LineSource::open(path, on_invalid_utf8), fields);
    }
    PairColumns columns;
    DelimitedOptions options = ends_with_any(path, {".csv", ".csv.gz"}) ? DelimitedOptions::csv()
                                                                        : DelimitedOptions::tsv();
    // Two columns are (query, positive); a third holds hard negatives. The first line of a
    // file says which, and every row must then have as many (stdin cannot be read twice: two).
    if (path != "-") {
      LineSource first = LineSource::open(path);
      std::string_view line;
      if (first.next(line) && std::count(line.begin(), line.end(), options.separator) >= 2) {
        columns.negative = Column::at(2);
      }
    }
    return PairReader::delimited(LineSource::open(path, on_invalid_utf8), options, columns);
  }();
  TextPair pair;
  while (reader.next(pair)) pairs.push_back(pair);
  TESSERA_CHECK(!pairs.empty(), "{}: no pairs", path);
  return pairs;
}

}  // namespace

TrainingData TrainingData::load(const TrainingDataOptions& o) {
  TESSERA_CHECK(
      !o.beir_dir.empty() || !o.corpus_path.empty() || !o.pair_files.empty() || !o.pairs.empty(),
      "no training data: give a BEIR directory, a corpus or pair files");
  TESSERA_CHECK(o.dev_fraction >= 0 && o.dev_fraction < 1, "dev fraction must be in [0, 1), got {}",
                o.dev_fraction);
  TrainingData data;
  data.options_ = o;
  if (!o.beir_dir.empty()) {
    data.beir_ = load_beir(
        o.beir_dir,
        o.beir_weight > 0 ? std::vector<std::string>{o.beir_split} : std::vector<std::string>{},
        o.on_invalid_utf8);
    for (BeirSplit& split : data.beir_.splits) {
      if (split.name == o.beir_split) data.train_qrels_ = split.qrels;
    }
    TESSERA_CHECK(o.beir_weight == 0 || !data.train_qrels_.empty(),
                  "{}: qrels/{}.tsv has no judgements to train on", o.beir_dir, o.beir_split);
    if (o.dev_fraction > 0) {
      std::set<std::string> ids;
      for (const Qrel& q : data.train_qrels_) {
        if (q.score > 0) ids.insert(q.query_id);
      }
      std::vector<std::string> shuffled(ids.begin(), ids.end());
      Random random(o.dev_seed);
      shuffle(shuffled, random);
      const auto n =
          static_cast<size_t>(std::llround(o.dev_fraction * static_cast<double>(shuffled.size())));
      data.dev_.query_ids.assign(shuffled.begin(),
                                 shuffled.begin() + static_cast<std::ptrdiff_t>(n));
      std::sort(data.dev_.query_ids.begin(), data.dev_.query_ids.end());
      const std::unordered_set<std::string> dev(data.dev_.query_ids.begin(),
                                                data.dev_.query_ids.end());
      for (const Qrel& q : data.train_qrels_) {
        if (dev.count(q.query_id)) data.dev_.qrels.push_back(q);
      }
    }
  }
  if (!o.corpus_path.empty())
    data.corpus_ = read_corpus(o.corpus_path, o.corpus_field, o.on_invalid_utf8);
  for (const std::string& path : o.pair_files) {
    std::vector<TextPair> pairs = read_pairs(path, o.pair_fields, o.on_invalid_utf8);
    data.pairs_.insert(data.pairs_.end(), pairs.begin(), pairs.end());
  }
  data.pairs_.insert(data.pairs_.end(), o.pairs.begin(), o.pairs.end());
  data.memory_pairs_ = !o.pairs.empty();
  data.options_.pairs.clear();  // held in pairs_ now
  if (o.dev_fraction > 0 && !data.pairs_.empty()) {
    // A seeded share of the pairs, in file order, leaves the training data.
    std::vector<size_t> order(data.pairs_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    Random random(o.dev_seed);
    shuffle(order, random);
    const auto n =
        static_cast<size_t>(std::llround(o.dev_fraction * static_cast<double>(order.size())));
    std::vector<bool> held(order.size(), false);
    for (size_t i = 0; i < n; ++i) held[order[i]] = true;
    std::vector<TextPair> train;
    for (size_t i = 0; i < data.pairs_.size(); ++i) {
      (held[i] ? data.dev_pairs_ : train).push_back(std::move(data.pairs_[i]));
    }
    data.pairs_ = std::move(train);
  }
  return data;
}

std::vector<std::string> TrainingData::vocabulary_texts() const {
  std::vector<std::string> texts;
  const std::vector<BeirDocument>& corpus = corpus_.empty() ? beir_.corpus : corpus_;
  for (const BeirDocument& d : corpus) texts.push_back(document_text(d));
  if (!corpus_.empty()) {
    for (const BeirDocument& d : beir_.corpus) texts.push_back(document_text(d));
  }
  // Training queries only: dev and test queries stay unseen.
  const std::unordered_set<std::string> dev(dev_.query_ids.begin(), dev_.query_ids.end());
  std::unordered_set<std::string> train_queries;
  for (const Qrel& q : train_qrels_) {
    if (q.score > 0 && !dev.count(q.query_id)) train_queries.insert(q.query_id);
  }
  for (const BeirQuery& q : beir_.queries) {
    if (train_queries.count(q.id)) texts.push_back(q.text);
  }
  for (const TextPair& p : pairs_) {  // training pairs only: dev pairs stay unseen
    texts.push_back(p.query);
    texts.push_back(p.positive);
    if (p.has_negative) texts.push_back(p.negative);
  }
  return texts;
}

Vocabulary TrainingData::count_vocabulary(const TokenizerOptions& tokenizer,
                                          const VocabularyOptions& options) const {
  VocabularyBuilder builder{Tokenizer(tokenizer)};
  const std::vector<std::string> texts = vocabulary_texts();
  constexpr size_t kBatch = 8192;
  std::vector<std::string> batch;
  for (size_t begin = 0; begin < texts.size(); begin += kBatch) {
    batch.assign(
        texts.begin() + static_cast<std::ptrdiff_t>(begin),
        texts.begin() + static_cast<std::ptrdiff_t>(std::min(texts.size(), begin + kBatch)));
    builder.add_texts(batch, "training texts", static_cast<int64_t>(begin) + 1);
  }
  return builder.build(options);
}

std::vector<WeightedSource> TrainingData::make_sources(const Featurizer& featurizer) {
  sources_.clear();
  std::vector<WeightedSource> out;
  std::vector<std::string> options;  // the option that sets each source's share, for messages
  // A source asked for (weight > 0) that gives nothing is an error: training on the others
  // without a word would silently change what the model learns.
  auto add = [&](std::unique_ptr<ExampleSource> source, double weight, const char* option,
                 const char* why_empty) {
    if (weight <= 0) return;
    TESSERA_CHECK(source->size() > 0, "{} gives no training pairs ({}); {} 0 trains without it",
                  source->describe(), why_empty, option);
    out.push_back({source.get(), weight});
    options.emplace_back(option);
    sources_.push_back(std::move(source));
  };
  const TrainingDataOptions& o = options_;
  if (!pairs_.empty()) {
    std::vector<std::string> names = o.pair_files;
    if (memory_pairs_) names.push_back(o.pairs_name);
    add(std::make_unique<TextPairSource>(TextPairSource::from_pairs(
            featurizer, pairs_, fmt::format("{}", fmt::join(names, ",")))),
        o.pairs_weight, "--pairs-weight", "all of them held out as dev pairs");
  }
  if (has_beir() && o.beir_weight > 0) {
    add(std::make_unique<TextPairSource>(
            TextPairSource::from_beir(featurizer, beir_, train_qrels_, dev_.query_ids,
                                      fmt::format("{}/qrels/{}.tsv", o.beir_dir, o.beir_split))),
        o.beir_weight, "--beir-weight",
        "no judgement with a score above 0 outside the dev queries");
  }
  if (o.crops_weight > 0) {
    const char* why = "no document has any token";
    if (!corpus_.empty()) {
      add(std::make_unique<CorpusCropSource>(featurizer, corpus_, o.crops, o.corpus_path),
          o.crops_weight, "--crops-weight", why);
    } else if (has_beir()) {
      add(std::make_unique<CorpusCropSource>(featurizer, beir_.corpus, o.crops,
                                             o.beir_dir + "/corpus.jsonl"),
          o.crops_weight, "--crops-weight", why);
    }
  }
  TESSERA_CHECK(!out.empty(), "the training data gives no pairs (check the weights)");
  // An epoch's plan holds every pair it draws: bound it before the first epoch allocates it.
  double total = 0;
  std::string shares;
  for (size_t i = 0; i < out.size(); ++i) {
    const double drawn = out[i].weight * static_cast<double>(out[i].source->size());
    total += drawn;
    shares += fmt::format("{}{}: {} x {} ({})", i ? "; " : "", out[i].source->describe(),
                          out[i].source->size(), out[i].weight, options[i]);
  }
  TESSERA_CHECK(total <= static_cast<double>(kMaxSlotsPerEpoch),
                "one epoch would draw {:.3g} pairs, more than the {} an epoch can hold: lower the "
                "weights or --pairs-per-doc, and train more epochs instead ({})",
                total, kMaxSlotsPerEpoch, shares);
  return out;
}

std::string TrainingData::describe() const {
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& s : sources_) sources.push_back(s->describe());
  const TrainingDataOptions& o = options_;
  nlohmann::json out = {{"sources", sources},
                        {"beir", o.beir_dir},
                        {"beir_split", o.beir_split},
                        {"beir_weight", o.beir_weight},
                        {"dev_fraction", o.dev_fraction},
                        {"dev_queries", dev_.query_ids.size()},
                        {"dev_pairs", dev_pairs_.size()},
                        {"corpus", o.corpus_path},
                        {"crops_weight", o.crops_weight},
                        {"pair_files", o.pair_files},
                        {"pairs_weight", o.pairs_weight}};
  return out.dump();
}

}  // namespace tessera
