// ClassificationTraining: a text classifier trained end to end, what `tessera train --task
// classify` runs. Labels are embedded entities (StarSpace's trainMode 0): the texts go through
// the model's "query" tower (a bag of words, word n-grams and char n-grams), each label is a row
// of a "label" tower of ids named by the labels, and a text's score for a label is the product
// of their vectors (or their cosine, times a scale). The loss (fastText's -loss):
//   softmax  softmax over every label (multi-label: toward the uniform over the text's labels)
//   ns       negative sampling: a logistic loss on the batch's labels and `negatives` labels
//            drawn per text, shared by the batch (training_task.h's kSampledRows)
//   ova      one-vs-all: a logistic loss per label, over every label (multi-label tagging)
//   infonce  a softmax over the batch's labels (in-batch negatives) and `negatives` labels
//            drawn per text, for label sets too large to score whole; with NGAME batches
//            (trainer.ngame: texts clustered by their current vectors, whole clusters to a
//            batch) the labels of similar texts are the negatives, the hard ones (NGAME)
// summed over the model's Matryoshka prefixes. Labels are numbered by frequency, most frequent
// first (as fastText does); the vocabulary is counted over the training texts. Input in the XC
// format (LabeledFormat::kXc) gives feature ids instead of texts: see xc_vocabulary.
//
// With label descriptions (label_text_path, label_descriptions.h), the label tower is no table
// of ids but reads each label's text with the texts' encoder (one shared bag: SiameseXML's and
// NGAME's label encoders), so labels and texts share one space and a label never seen in
// training is predicted from its description (zero-shot). Every training label needs a
// description; described labels that no training text carries are kept in the model (numbered
// after the others) but left out of training, where they would only ever be negatives.
//
// Label descriptions are featurized as texts are, so with FeaturizerConfig::end_word every
// label vector holds the end word's row too: an offset they share, while the texts' end word
// gives each label its prior.
//
// The texts' tower has rows only for the features the training texts and the label
// descriptions hold (a CompactBagEncoder, compact_bag_encoder.h, when they are fewer than the
// featurizer's): MR and AG News hold about a tenth of 2^20 hash buckets, so the table, its
// optimizer state and its file are a tenth as large.
//
// The model file also carries, under the metadata key "classifier", how scores become
// probabilities (classifier_head.h).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "tessera/data/labeled_input.h"
#include "tessera/data/xc_reader.h"
#include "tessera/model/model.h"
#include "tessera/text/featurizer_config.h"
#include "tessera/text/vocabulary.h"
#include "tessera/train/classifier_head.h"
#include "tessera/train/labeled_text_source.h"
#include "tessera/train/trainer.h"

namespace tessera {

struct ClassificationTrainingOptions {
  LabeledInputOptions input;    // the training file and how to read it
  std::string label_text_path;  // label<TAB>description lines; empty: a tower of label ids
  FeaturizerConfig featurizer;
  VocabularyOptions vocabulary;
  ModelOptions model;  // its seed is trainer.seed's; id_towers are set from the labels
  ClassifierHead head;
  int64_t negatives = 5;  // ns, infonce: labels drawn per text (ns needs 1 or more)
  TrainerOptions trainer;
  // The run's options as the caller names them (a JSON object), kept in the model's provenance.
  std::string options_json = "{}";
};

// The labels of labeled texts numbered by frequency (ties by first appearance), and each
// text's label ids.
struct LabelSet {
  std::vector<std::string> names;
  std::vector<std::vector<int32_t>> ids;  // per text, distinct, in the text's order
};
LabelSet number_labels(const std::vector<LabeledText>& items);

// The XC format (xc_reader.h) as a model's input: feature f is the word "f" (decimal), counted
// by the training points that hold it (features no training point holds get no row), and a
// point's features are those words' ids, weighted by its values, and, when the vocabulary
// holds it (end_word), the end word (kEndWord, weight 1), which every point holds: its row is a
// bias that gives each label its prior (it added 5 points of P@1 on a dev split of delicious'
// training points and 0.4 on bibtex's). Its labels keep their ids, named "0" ... "L-1".
Vocabulary xc_vocabulary(const XcData& train, bool end_word);
Features xc_features(const XcPoint& point, const Vocabulary& vocabulary);
// Points [begin, end) of data as one input of the model.
EncoderInput xc_inputs(const XcData& data, const Vocabulary& vocabulary, size_t begin = 0,
                       size_t end = SIZE_MAX);

class ClassificationTraining {
 public:
  // Reads the training file, numbers its labels, counts the vocabulary, and creates the model,
  // its source and the trainer.
  explicit ClassificationTraining(const ClassificationTrainingOptions& options);
  // Continues training the classifier `start` (whose head options.head is) on options.input,
  // its texts holding only the features `kept` marks: fastText's quantize -retrain, which
  // trains again on the texts as the compact model will see them once the cutoff dropped the
  // rest (compact_kept_features). The input's labels must be the model's (by name); the
  // vocabulary, featurizer and labels are the model's; options' featurizer, vocabulary and
  // model are not read (label_text_path only names the label texts in errors).
  ClassificationTraining(const ClassificationTrainingOptions& options, Model start,
                         std::vector<bool> kept);
  ~ClassificationTraining();
  ClassificationTraining(const ClassificationTraining&) = delete;
  ClassificationTraining& operator=(const ClassificationTraining&) = delete;

  const std::vector<std::string>& labels() const { return labels_; }
  // The head the model is saved with (label names and texts included, when described).
  const ClassifierHead& head() const { return options_.head; }
  const ExampleSource& source() const { return *source_; }
  Model& model() { return *model_; }
  Trainer& trainer() { return *trainer_; }

  // Trains, records the data, options and run in the model's provenance, writes the model and
  // its head to path atomically, and removes the run's checkpoint.
  TrainReport run_and_save(const std::string& path);

 private:
  // The trainer of model_ and source_ with the head's objective (both constructors end here).
  void make_trainer();

  ClassificationTrainingOptions options_;
  std::vector<bool> kept_features_;  // retraining: the features texts keep; empty: all
  std::vector<std::string> labels_;
  int64_t trained_labels_ = 0;  // labels_[0, trained_labels_) are carried by training texts
  int64_t texts_ = 0;
  std::unique_ptr<Model> model_;
  std::unique_ptr<LabeledTextSource> source_;
  std::unique_ptr<Trainer> trainer_;
};

}  // namespace tessera
