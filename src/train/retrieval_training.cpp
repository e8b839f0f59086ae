#include "tessera/train/retrieval_training.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tessera/core/check.h"
#include "tessera/train/matryoshka_objective.h"
#include "tessera/version.h"

namespace tessera {

RetrievalTraining::RetrievalTraining(const RetrievalTrainingOptions& options) : options_(options) {
  options_.featurizer.validate();
  TESSERA_CHECK(nlohmann::json::accept(options_.options_json) &&
                    nlohmann::json::parse(options_.options_json).is_object(),
                "the training options must be a JSON object");
  data_ = std::make_unique<TrainingData>(TrainingData::load(options_.data));
  options_.data.pairs.clear();  // the data holds them now
  Vocabulary vocabulary =
      data_->count_vocabulary(options_.featurizer.tokenizer, options_.vocabulary);
  options_.model.seed = options_.trainer.seed;  // one seed for the weights and the run
  model_ = std::make_unique<Model>(
      Model::create(options_.featurizer, std::move(vocabulary), options_.model));
  sources_ = data_->make_sources(model_->featurizer());
  TrainingTask task;
  task.anchor_tower = std::string(kQueryTower);
  task.candidate_tower = std::string(kDocumentTower);
  task.objective = std::make_shared<MatryoshkaObjective>(
      std::make_shared<InfoNce>(options_.loss), model_->prefixes(), options_.prefix_weights);
  TrainerOptions trainer = options_.trainer;
  if (trainer.settings_json.empty()) trainer.settings_json = options_.options_json;
  trainer_ = std::make_unique<Trainer>(*model_, sources_, std::move(task), trainer);
}

RetrievalTraining::~RetrievalTraining() = default;

TrainReport RetrievalTraining::run_and_save(const std::string& path) {
  const TrainReport report = trainer_->run();
  const nlohmann::json provenance = {{"data", nlohmann::json::parse(data_->describe())},
                                     {"options", nlohmann::json::parse(options_.options_json)},
                                     {"tessera_version", TESSERA_VERSION},
                                     {"steps", report.steps},
                                     {"train_seconds", report.train_seconds}};
  model_->set_provenance(provenance.dump());
  model_->save(path);
  if (!options_.trainer.checkpoint_path.empty()) {
    std::error_code ignored;
    std::filesystem::remove(options_.trainer.checkpoint_path, ignored);
  }
  return report;
}

}  // namespace tessera
