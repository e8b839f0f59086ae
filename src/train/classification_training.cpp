#include "tessera/train/classification_training.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <unordered_map>

#include "tessera/core/check.h"
#include "tessera/data/label_descriptions.h"
#include "tessera/model/id_encoder.h"
#include "tessera/text/vocabulary_builder.h"
#include "tessera/train/matryoshka_objective.h"
#include "tessera/version.h"

namespace tessera {

Vocabulary xc_vocabulary(const XcData& train, bool end_word) {
  std::vector<int64_t> df(static_cast<size_t>(train.features), 0);
  for (const XcPoint& point : train.points) {
    for (const int32_t f : point.feature_ids) ++df[static_cast<size_t>(f)];
  }
  std::vector<std::pair<std::string, int64_t>> counts;
  for (size_t f = 0; f < df.size(); ++f) {
    if (df[f] > 0) counts.emplace_back(std::to_string(f), df[f]);
  }
  if (end_word) {
    counts.emplace_back(std::string(kEndWord), static_cast<int64_t>(train.points.size()));
  }
  return Vocabulary::from_counts(std::move(counts));
}

Features xc_features(const XcPoint& point, const Vocabulary& vocabulary) {
  std::vector<std::pair<int32_t, float>> pairs;
  for (size_t i = 0; i < point.feature_ids.size(); ++i) {
    const int32_t id = vocabulary.id(std::to_string(point.feature_ids[i]));
    if (id >= 0) pairs.emplace_back(id, point.values[i]);
  }
  // Models made before the end word have none.
  if (const int32_t end = vocabulary.id(kEndWord); end >= 0) pairs.emplace_back(end, 1.0f);
  std::sort(pairs.begin(), pairs.end());
  Features out;
  for (const auto& [id, value] : pairs) {
    out.ids.push_back(id);
    out.weights.push_back(value);
  }
  return out;
}

EncoderInput xc_inputs(const XcData& data, const Vocabulary& vocabulary, size_t begin, size_t end) {
  EncoderInput out;
  for (size_t i = begin; i < std::min(end, data.points.size()); ++i) {
    const Features f = xc_features(data.points[i], vocabulary);
    out.bags.add(f.ids, f.weights);
  }
  return out;
}

namespace {

// The descriptions of labels (the trained ones, in their order) from path, with the described
// labels that no training text carries appended to labels; an Error naming a label without one.
std::vector<std::string> describe_labels(const std::string& path, std::vector<std::string>& labels,
                                         const std::string& train_path) {
  const LabelDescriptions d = read_label_descriptions(LineSource::open(path));
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < d.names.size(); ++i) index.emplace(d.names[i], i);
  std::vector<char> used(d.names.size(), 0);
  std::vector<std::string> texts;
  int64_t missing = 0;
  std::string first_missing;
  for (const std::string& label : labels) {
    const auto it = index.find(label);
    if (it == index.end()) {
      if (missing++ == 0) first_missing = label;
      continue;
    }
    used[it->second] = 1;
    texts.push_back(d.texts[it->second]);
  }
  TESSERA_CHECK(missing == 0, "{}: {} labels of {} have no description, the first '{}'", path,
                missing, train_path, first_missing);
  for (size_t i = 0; i < d.names.size(); ++i) {
    if (used[i]) continue;
    labels.push_back(d.names[i]);
    texts.push_back(d.texts[i]);
  }
  return texts;
}

// The features with only the ids `kept` marks (and their weights).
Features kept_only(const Features& features, const std::vector<bool>& kept) {
  Features out;
  for (size_t i = 0; i < features.ids.size(); ++i) {
    if (!kept[static_cast<size_t>(features.ids[i])]) continue;
    out.ids.push_back(features.ids[i]);
    if (!features.weights.empty()) out.weights.push_back(features.weights[i]);
  }
  return out;
}

Bags kept_only(const Bags& bags, const std::vector<bool>& kept) {
  Bags out;
  for (int64_t b = 0; b < bags.size(); ++b) {
    const auto begin = static_cast<size_t>(bags.offsets[static_cast<size_t>(b)]);
    const auto end = static_cast<size_t>(bags.offsets[static_cast<size_t>(b) + 1]);
    Features bag;
    bag.ids.assign(bags.ids.begin() + begin, bags.ids.begin() + end);
    if (!bags.weights.empty()) {
      bag.weights.assign(bags.weights.begin() + begin, bags.weights.begin() + end);
    }
    const Features cut = kept_only(bag, kept);
    out.add(cut.ids, cut.weights);
  }
  return out;
}

// The features (ascending ids of a featurizer of `features`) that texts or labels hold.
std::vector<int32_t> held_features(const std::vector<Features>& texts,
                                   const std::vector<Features>& labels, int64_t features) {
  std::vector<char> held(static_cast<size_t>(features), 0);
  for (const auto* group : {&texts, &labels}) {
    for (const Features& f : *group) {
      for (const int32_t id : f.ids) held[static_cast<size_t>(id)] = 1;
    }
  }
  std::vector<int32_t> out;
  for (size_t id = 0; id < held.size(); ++id) {
    if (held[id]) out.push_back(static_cast<int32_t>(id));
  }
  return out;
}

// ns needs a negative per text; infonce has the batch's labels without any, and the losses over
// every label draw none.
void check_negatives(const ClassificationTrainingOptions& options) {
  const int64_t least = options.head.loss == ClassifyLoss::kNegativeSampling ? 1 : 0;
  TESSERA_CHECK(options.negatives >= least, "negatives must be >= {} with loss {}, got {}", least,
                name_of(options.head.loss), options.negatives);
}

// The names of the labels of a classifier with this head.
std::vector<std::string> classifier_labels(const Model& model, const ClassifierHead& head) {
  if (!head.label_texts.empty()) return head.label_names;
  const auto* ids = dynamic_cast<const IdEncoder*>(&model.tower(head.label_tower));
  TESSERA_CHECK(ids != nullptr && !ids->names().empty(),
                "tower '{}' is not a tower of named labels", head.label_tower);
  return ids->names();
}

}  // namespace

LabelSet number_labels(const std::vector<LabeledText>& items) {
  std::unordered_map<std::string, int32_t> first_seen;
  std::vector<std::string> seen;
  std::vector<int64_t> counts;
  for (const LabeledText& item : items) {
    for (const std::string& label : item.labels) {
      const auto [it, added] = first_seen.emplace(label, static_cast<int32_t>(seen.size()));
      if (added) {
        seen.push_back(label);
        counts.push_back(0);
      }
      ++counts[static_cast<size_t>(it->second)];
    }
  }
  std::vector<int32_t> order(seen.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return counts[static_cast<size_t>(a)] > counts[static_cast<size_t>(b)];
  });
  std::vector<int32_t> id_of(seen.size());
  LabelSet out;
  for (size_t rank = 0; rank < order.size(); ++rank) {
    id_of[static_cast<size_t>(order[rank])] = static_cast<int32_t>(rank);
    out.names.push_back(seen[static_cast<size_t>(order[rank])]);
  }
  out.ids.reserve(items.size());
  for (const LabeledText& item : items) {
    std::vector<int32_t> ids;
    for (const std::string& label : item.labels) {
      const int32_t id = id_of[static_cast<size_t>(first_seen.at(label))];
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    }
    out.ids.push_back(std::move(ids));
  }
  return out;
}

ClassificationTraining::ClassificationTraining(const ClassificationTrainingOptions& options)
    : options_(options) {
  options_.featurizer.validate();
  TESSERA_CHECK(nlohmann::json::accept(options_.options_json) &&
                    nlohmann::json::parse(options_.options_json).is_object(),
                "the training options must be a JSON object");
  check_negatives(options_);
  LabeledInputOptions input = options_.input;
  input.labels_optional = false;
  ClassifierHead& head = options_.head;
  ModelOptions model = options_.model;
  model.seed = options_.trainer.seed;  // one seed for the weights and the run
  model.normalization =
      head.similarity == Similarity::kCosine ? Normalization::kL2 : Normalization::kNone;
  std::vector<std::vector<int32_t>> label_ids;
  int64_t points = 0;  // XC: every point of the file
  if (input.format == LabeledFormat::kXc) {
    TESSERA_CHECK(options_.label_text_path.empty(),
                  "label descriptions need texts to share their words; {} is in the XC format, "
                  "whose features are ids (Mulan's ARFF of the same data names them: --format "
                  "arff)",
                  input.path);
    const XcData xc = read_xc(LineSource::open(input.path, input.on_invalid_utf8));
    for (int64_t l = 0; l < xc.labels; ++l) labels_.push_back(std::to_string(l));
    // Features are the vocabulary's words, hashed n-grams make no sense over ids.
    options_.featurizer.buckets = 0;
    options_.featurizer.word_ngrams = 1;
    options_.featurizer.char_ngram_min = options_.featurizer.char_ngram_max = 0;
    Vocabulary vocabulary = xc_vocabulary(xc, options_.featurizer.end_word);
    std::vector<Features> items;
    for (const XcPoint& point : xc.points) {
      if (point.labels.empty()) continue;  // nothing to learn from
      items.push_back(xc_features(point, vocabulary));
      label_ids.push_back(point.labels);
    }
    TESSERA_CHECK(!items.empty(), "{}: no point has a label", input.path);
    points = static_cast<int64_t>(xc.points.size());
    trained_labels_ = xc.labels;
    model.id_towers = {{head.label_tower, xc.labels}};
    model.id_names = {{head.label_tower, labels_}};
    // Features only points without a label hold get no row.
    model.feature_rows = held_features(items, {}, vocabulary.size());
    model_ =
        std::make_unique<Model>(Model::create(options_.featurizer, std::move(vocabulary), model));
    texts_ = static_cast<int64_t>(items.size());
    source_ =
        std::make_unique<LabeledTextSource>(std::move(items), label_ids, xc.labels, input.path);
  } else {
    std::vector<LabeledText> items = read_labeled_texts(input);
    // Multi-label data (Mulan's ARFF) may hold points without a label: nothing to learn from.
    std::erase_if(items, [](const LabeledText& item) { return item.labels.empty(); });
    TESSERA_CHECK(!items.empty(), "{}: no labeled texts", input.path);
    for (const LabeledText& item : items) {
      for (const std::string& label : item.labels) {
        // Predictions are written "__label__NAME probability": a name cannot hold a space.
        TESSERA_CHECK(label.find_first_of(" \t\r\n\v\f") == std::string::npos,
                      "{}:{}: label '{}' holds whitespace, which predictions cannot show; replace "
                      "it (with _, say)",
                      input.path, item.line, label);
      }
    }
    LabelSet labels = number_labels(items);
    TESSERA_CHECK(labels.names.size() >= 2, "{}: every text has the label '{}': nothing to learn",
                  input.path, labels.names.front());
    labels_ = labels.names;
    label_ids = std::move(labels.ids);
    texts_ = static_cast<int64_t>(items.size());
    std::vector<std::string> texts;
    texts.reserve(items.size());
    for (const LabeledText& item : items) texts.push_back(item.text);
    VocabularyBuilder builder{Tokenizer(options_.featurizer.tokenizer)};
    constexpr size_t kBatch = 8192;
    for (size_t begin = 0; begin < texts.size(); begin += kBatch) {
      const size_t end = std::min(texts.size(), begin + kBatch);
      const std::vector<std::string> batch(texts.begin() + static_cast<std::ptrdiff_t>(begin),
                                           texts.begin() + static_cast<std::ptrdiff_t>(end));
      builder.add_texts(batch, input.path, items[begin].line);
    }
    if (options_.featurizer.end_word) builder.add_count(kEndWord, texts_);
    trained_labels_ = static_cast<int64_t>(labels_.size());
    if (!options_.label_text_path.empty()) {
      head.label_texts = describe_labels(options_.label_text_path, labels_, input.path);
      head.label_names = labels_;
      // The trained labels' words count toward the vocabulary; the others' were never trained.
      builder.add_texts(std::vector<std::string>(head.label_texts.begin(),
                                                 head.label_texts.begin() + trained_labels_),
                        options_.label_text_path, 1);
      model.document_towers = {head.label_tower};
    } else {
      model.id_towers = {{head.label_tower, static_cast<int64_t>(labels_.size())}};
      model.id_names = {{head.label_tower, labels_}};
    }
    Featurizer featurizer =
        Featurizer::from_config(options_.featurizer, builder.build(options_.vocabulary));
    source_ = std::make_unique<LabeledTextSource>(featurizer, texts, label_ids, trained_labels_,
                                                  input.path);
    // Rows for the features of texts and label descriptions only: most hash buckets hold
    // none, and their rows would add noise to a text. A label never trained keeps the random
    // rows of its description's features, which a text holding them still matches (zero-shot).
    std::vector<Features> label_features;
    if (!head.label_texts.empty()) {
      label_features = featurizer.featurize_all(head.label_texts, options_.label_text_path);
    }
    model.feature_rows = held_features(source_->items(), label_features, featurizer.num_features());
    model_ = std::make_unique<Model>(Model::create(std::move(featurizer), model));
  }
  // The training counts, for propensity-scored metrics of the model (xc_metrics.h): N counts
  // every training point, with a label or not, as pyxclib does.
  head.examples = points > 0 ? points : texts_;
  head.label_counts.assign(labels_.size(), 0);
  for (const auto& ids : label_ids) {
    for (const int32_t id : ids) ++head.label_counts[static_cast<size_t>(id)];
  }
  make_trainer();
}

void ClassificationTraining::make_trainer() {
  const ClassifierHead& head = options_.head;
  TrainingTask task;
  if (!head.label_texts.empty()) {
    // The trained labels' texts are the catalog the objective scores.
    task.catalog.bags =
        model_->featurize(std::vector<std::string>(head.label_texts.begin(),
                                                   head.label_texts.begin() + trained_labels_),
                          TextOrigin{options_.label_text_path, 1});
    if (!kept_features_.empty()) task.catalog.bags = kept_only(task.catalog.bags, kept_features_);
  }
  task.anchor_tower = head.anchor_tower;
  task.candidate_tower = head.label_tower;
  // ns and infonce score the batch's labels and `negatives` labels drawn per text (shared by
  // the batch): a logistic loss, or a softmax whose in-batch negatives NGAME batches make hard.
  const bool sampled =
      head.loss == ClassifyLoss::kNegativeSampling || head.loss == ClassifyLoss::kInfoNce;
  task.candidates = sampled ? Candidates::kSampledRows : Candidates::kAllRows;
  task.samples = options_.negatives * options_.trainer.batch_size;
  const LabelObjectiveOptions objective{head.softmax() ? LabelLoss::kSoftmax : LabelLoss::kLogistic,
                                        head.similarity, head.scale};
  task.objective = std::make_shared<MatryoshkaObjective>(
      std::make_shared<LabelObjective>(objective), model_->prefixes());
  TrainerOptions trainer = options_.trainer;
  if (trainer.settings_json.empty()) trainer.settings_json = options_.options_json;
  trainer_ = std::make_unique<Trainer>(*model_, std::vector<WeightedSource>{{source_.get(), 1.0}},
                                       std::move(task), trainer);
}

ClassificationTraining::ClassificationTraining(const ClassificationTrainingOptions& options,
                                               Model start, std::vector<bool> kept)
    : options_(options), kept_features_(std::move(kept)) {
  TESSERA_CHECK(static_cast<int64_t>(kept_features_.size()) == start.featurizer().num_features(),
                "{} kept flags for the model's {} features", kept_features_.size(),
                start.featurizer().num_features());
  check_negatives(options_);
  const ClassifierHead& head = options_.head;
  labels_ = classifier_labels(start, head);
  // Labels described but never trained on (zero-shot) come last, and stay out of training.
  trained_labels_ = static_cast<int64_t>(labels_.size());
  if (!head.label_texts.empty() && head.label_counts.size() == labels_.size()) {
    while (trained_labels_ > 0 &&
           head.label_counts.at(static_cast<size_t>(trained_labels_ - 1)) == 0) {
      --trained_labels_;
    }
  }
  model_ = std::make_unique<Model>(std::move(start));
  LabeledInputOptions input = options_.input;
  input.labels_optional = false;
  std::vector<Features> items;
  std::vector<std::vector<int32_t>> label_ids;
  if (input.format == LabeledFormat::kXc) {
    const XcData xc = read_xc(LineSource::open(input.path, input.on_invalid_utf8));
    TESSERA_CHECK(xc.labels <= trained_labels_, "{} has {} labels, the model {}", input.path,
                  xc.labels, trained_labels_);
    for (const XcPoint& point : xc.points) {
      if (point.labels.empty()) continue;
      items.push_back(
          kept_only(xc_features(point, model_->featurizer().vocabulary()), kept_features_));
      label_ids.push_back(point.labels);
    }
  } else {
    std::unordered_map<std::string, int32_t> id_of;
    for (int32_t l = 0; l < trained_labels_; ++l) {
      id_of.emplace(labels_[static_cast<size_t>(l)], l);
    }
    std::vector<LabeledText> texts = read_labeled_texts(input);
    std::erase_if(texts, [](const LabeledText& item) { return item.labels.empty(); });
    std::vector<std::string> strings;
    for (const LabeledText& item : texts) {
      std::vector<int32_t> ids;
      for (const std::string& label : item.labels) {
        const auto it = id_of.find(label);
        TESSERA_CHECK(it != id_of.end(), "{}:{}: label '{}' is not one the model was trained on",
                      input.path, item.line, label);
        if (std::find(ids.begin(), ids.end(), it->second) == ids.end()) ids.push_back(it->second);
      }
      label_ids.push_back(std::move(ids));
      strings.push_back(item.text);
    }
    for (const Features& features : model_->featurizer().featurize_all(strings, input.path)) {
      items.push_back(kept_only(features, kept_features_));
    }
  }
  TESSERA_CHECK(!items.empty(), "{}: no labeled texts", input.path);
  texts_ = static_cast<int64_t>(items.size());
  source_ = std::make_unique<LabeledTextSource>(std::move(items), std::move(label_ids),
                                                trained_labels_, input.path);
  make_trainer();
}

ClassificationTraining::~ClassificationTraining() = default;

TrainReport ClassificationTraining::run_and_save(const std::string& path) {
  const TrainReport report = trainer_->run();
  // A run cut short is no model to keep (its checkpoint, if any, stays to resume from).
  TESSERA_CHECK(!report.stopped, "training stopped at step {} before its end: {} not written",
                report.steps, path);
  const nlohmann::json provenance = {{"data",
                                      {{"train", options_.input.path},
                                       {"format", name_of(options_.input.format)},
                                       {"texts", texts_},
                                       {"labels", labels_.size()}}},
                                     {"options", nlohmann::json::parse(options_.options_json)},
                                     {"tessera_version", TESSERA_VERSION},
                                     {"steps", report.steps},
                                     {"train_seconds", report.train_seconds}};
  model_->set_provenance(provenance.dump());
  ModelFileExtras extras;
  extras.metadata.emplace(std::string(kClassifierHeadKey), options_.head.to_json());
  model_->save(path, extras);
  if (!options_.trainer.checkpoint_path.empty()) {
    std::error_code ignored;
    std::filesystem::remove(options_.trainer.checkpoint_path, ignored);
  }
  return report;
}

}  // namespace tessera
