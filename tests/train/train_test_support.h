// Helpers for the training tests: a synthetic retrieval task with a known answer.
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

#include "../core/test_support.h"
#include "tessera/core/random.h"
#include "tessera/data/pair_reader.h"
#include "tessera/model/model.h"
#include "tessera/train/infonce.h"
#include "tessera/train/matryoshka_objective.h"
#include "tessera/train/training_task.h"

namespace tessera::testing {

// `topics` topics of `words` words each ("t3w7"); a document is 12 random words of its topic and
// a query 4 others, so a query's document is the one sharing its topic's words. With families >
// 0, topic t also belongs to family t % families, and half of each text is words of its family
// ("f2w5"): topics of one family look alike.
struct TopicTask {
  std::vector<TextPair> pairs;  // (query, document) per topic
  std::vector<std::string> words;
};

inline TopicTask topic_task(int topics, int words, uint64_t seed, int families = 0) {
  TopicTask task;
  Random random(seed);
  for (int f = 0; f < families; ++f) {
    for (int w = 0; w < words; ++w) task.words.push_back(fmt::format("f{}w{}", f, w));
  }
  for (int t = 0; t < topics; ++t) {
    for (int w = 0; w < words; ++w) task.words.push_back(fmt::format("t{}w{}", t, w));
    auto text = [&](int n) {
      std::string out;
      for (int i = 0; i < n; ++i) {
        if (!out.empty()) out += ' ';
        const bool family = families > 0 && i % 2 == 1;
        out += fmt::format("{}{}w{}", family ? 'f' : 't', family ? t % families : t,
                           random.below(static_cast<uint64_t>(words)));
      }
      return out;
    };
    TextPair pair;
    pair.positive = text(12);
    pair.query = text(4);
    task.pairs.push_back(pair);
  }
  return task;
}

inline Featurizer topic_featurizer(const TopicTask& task, int64_t buckets = 64) {
  std::vector<std::pair<std::string, int64_t>> counts;
  for (const std::string& w : task.words) counts.emplace_back(w, 1);
  FeaturizerConfig config;
  config.buckets = buckets;
  return Featurizer::from_config(config, Vocabulary::from_counts(counts));
}

inline ModelOptions topic_model_options();

// A fresh model over the task's featurizer.
inline Model topic_model(const TopicTask& task,
                         const ModelOptions& options = topic_model_options()) {
  const Featurizer featurizer = topic_featurizer(task);
  return Model::create(featurizer.config(), featurizer.vocabulary(), options);
}

// Retrieval's task: queries against in-batch documents, InfoNCE over the model's prefixes.
inline TrainingTask retrieval_task(const Model& model, InfoNceOptions loss = {},
                                   std::vector<float> prefix_weights = {}) {
  TrainingTask task;
  task.objective = std::make_shared<MatryoshkaObjective>(std::make_shared<InfoNce>(loss),
                                                         model.prefixes(), prefix_weights);
  return task;
}

inline ModelOptions topic_model_options() {
  ModelOptions options;
  options.dim = 16;
  options.prefixes = {8, 16};
  options.seed = 3;
  return options;
}

}  // namespace tessera::testing
