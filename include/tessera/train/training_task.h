// TrainingTask: what one training step computes from a batch of Examples, in three choices.
//
//   towers      which of the model's towers embeds the anchors, and which the candidates
//               ("query" and "document" for retrieval; "query" and "label" for classification)
//   candidates  what each anchor is scored against:
//                 kInBatch      every example's positives, then its explicit negatives, embedded
//                               by the candidate tower: each anchor's negatives are the other
//                               examples' positives (InfoNCE)
//                 kAllRows      every item of the catalog (the full softmax over labels)
//                 kSampledRows  the batch's positives and negatives among the catalog, and
//                               `samples` draws of it, uniform with replacement (a row drawn
//                               twice is one candidate; sampled softmax)
//   objective   the loss of the embedded batch (objective.h)
//
// The catalog is every item the candidate tower can embed, in row order: for a tower of ids it
// is its ids [0, n) (default_catalog, which a TrainingStep fills in when the task gives none);
// for a text tower (labels with descriptions) the caller gives the items' feature bags. With a
// catalog, an example's positives and negatives are rows of it: one-id Features
// (Example::id(row)).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/core/random.h"
#include "tessera/model/model.h"
#include "tessera/train/example.h"
#include "tessera/train/objective.h"

namespace tessera {

enum class Candidates { kInBatch, kAllRows, kSampledRows };

struct TrainingTask {
  std::string anchor_tower = std::string(kQueryTower);
  std::string candidate_tower = std::string(kDocumentTower);
  Candidates candidates = Candidates::kInBatch;
  int64_t samples = 0;   // kSampledRows: catalog rows drawn per batch
  EncoderInput catalog;  // kAllRows, kSampledRows (TrainingStep: empty means default_catalog)
  std::shared_ptr<Objective> objective;
};

// A tower of ids' catalog: each of its ids once, in order. An Error for a tower of features,
// whose catalog only the caller knows.
EncoderInput default_catalog(const Encoder& tower);

// The examples embedded on graph for task.objective: anchors by the anchor tower, candidates as
// task.candidates says (one forward pass for both when the two towers share an encoder), with
// each anchor's positives and weight as the batch's targets. random draws kSampledRows' sample.
EmbeddedBatch embed_batch(Graph& graph, Model& model, const TrainingTask& task,
                          const std::vector<Example>& examples, Random& random);

}  // namespace tessera
