// Training examples and the sources that draw them.
//
// An Example is an anchor and what it should be near: one or more positives (several for
// multi-label data), optional explicit negatives, a weight, and optional teacher scores (a
// teacher model's scores of the positives then the negatives, for distillation). Every item is a
// Features bag, already featurized: a text's weighted feature ids, or one id (weight 1) for a
// tower of ids (labels, entities, items). Which tower embeds which side is the task's choice
// (training_task.h), not the example's.
//
// An ExampleSource holds one kind of training data (pairs from a file, the judged pairs of a BEIR
// split, crops of a raw corpus, labeled texts) and draws its item `i` on demand with a random
// generator the trainer seeds from (seed, epoch, slot): examples are never all held at once, and
// the same seed gives the same examples whatever the thread count, which is what makes resuming
// exact.
//
// Keys say which texts an example holds, so that a batch never contains one document (or one
// anchor) twice: the in-batch negatives of InfoNCE would otherwise include a positive
// (sentence-transformers' NO_DUPLICATES batching). Keys are 64-bit hashes of a text's identity
// (a document id, or the text itself).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/core/random.h"
#include "tessera/text/featurizer.h"

namespace tessera {

struct Example {
  Features anchor;
  std::vector<Features> positives;    // at least one
  std::vector<Features> negatives;    // explicit hard negatives (may be empty)
  float weight = 1.0f;                // of this example's loss
  std::vector<float> teacher_scores;  // empty, or one per positive then per negative

  // The Features of a one-id item (a label, an entity).
  static Features id(int32_t id) { return Features{{id}, {}}; }
};

struct ExampleKeys {
  uint64_t anchor = 0;
  // Items that must not appear twice in a batch: the positives first, then each negative. Empty
  // when they may (labels shared by many examples).
  std::vector<uint64_t> documents;
};

class ExampleSource {
 public:
  virtual ~ExampleSource() = default;
  // For logs and provenance, e.g. "qrels/train.tsv (919 pairs)".
  virtual std::string describe() const = 0;
  // Items available per epoch (the trainer's mixing weight scales how many are drawn).
  virtual int64_t size() const = 0;
  // Hard negatives each item carries (0 for most sources).
  virtual int64_t negatives_per_item() const { return 0; }
  virtual ExampleKeys keys(int64_t item) const = 0;
  // Draws item `item` into out (const and thread-safe: callers draw many items in parallel).
  virtual void draw(int64_t item, Random& random, Example& out) const = 0;
  // Only the anchor of draw(item, random, ...) for the same random state (for clustering).
  virtual Features draw_anchor(int64_t item, Random& random) const;
};

// 64-bit FNV-1a of a string, for keys.
uint64_t text_key(std::string_view text);

}  // namespace tessera
