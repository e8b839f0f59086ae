// RetrievalTraining: a text retrieval model trained end to end, what `tessera train` and the
// quickstart run: the training data read (training_data.h), the vocabulary counted over its
// training texts, a Model created (model.h), in-batch InfoNCE (infonce.h) summed over the
// model's Matryoshka prefixes trained by the Trainer (queries by the "query" tower, documents by
// the "document" tower), and the model written with its provenance.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tessera/model/model.h"
#include "tessera/text/featurizer_config.h"
#include "tessera/text/vocabulary.h"
#include "tessera/train/infonce.h"
#include "tessera/train/trainer.h"
#include "tessera/train/training_data.h"

namespace tessera {

struct RetrievalTrainingOptions {
  TrainingDataOptions data;
  FeaturizerConfig featurizer;
  VocabularyOptions vocabulary;
  ModelOptions model;  // its seed is trainer.seed's
  InfoNceOptions loss;
  std::vector<float> prefix_weights;  // one per model prefix; empty: all 1
  TrainerOptions trainer;
  // The run's options as the caller names them (a JSON object), kept in the model's provenance.
  std::string options_json = "{}";
};

class RetrievalTraining {
 public:
  // Reads the data, counts the vocabulary, and creates the model, its sources and the trainer.
  explicit RetrievalTraining(const RetrievalTrainingOptions& options);
  ~RetrievalTraining();
  RetrievalTraining(const RetrievalTraining&) = delete;
  RetrievalTraining& operator=(const RetrievalTraining&) = delete;

  const TrainingData& data() const { return *data_; }
  const std::vector<WeightedSource>& sources() const { return sources_; }
  Model& model() { return *model_; }
  Trainer& trainer() { return *trainer_; }

  // Trains, records the data, options and run in the model's provenance, writes the model to
  // path atomically, and removes the run's checkpoint.
  TrainReport run_and_save(const std::string& path);

 private:
  RetrievalTrainingOptions options_;
  std::unique_ptr<TrainingData> data_;
  std::unique_ptr<Model> model_;
  std::vector<WeightedSource> sources_;
  std::unique_ptr<Trainer> trainer_;
};

}  // namespace tessera
