// Training examples and the sources that draw them.
//
// An example is a query, its positive document and optional explicit hard negatives, already
// featurized. A PairSource holds one kind of training data (pairs from a file, the judged pairs
// of a BEIR split, crops of a raw corpus) and draws its item `i` on demand with a random
// generator the trainer seeds from (seed, epoch, slot): examples are never all held at once, and
// the same seed gives the same examples whatever the thread count, which is what makes resuming
// exact.
//
// Keys say which texts an example holds, so that a batch never contains one document (or one
// query) twice: the in-batch negatives of InfoNCE would otherwise include a positive
// (sentence-transformers' NO_DUPLICATES batching). Keys are 64-bit hashes of a text's identity
// (a document id, or the text itself).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/text/featurizer.h"
#include "tessera/core/random.h"

namespace tessera {

struct TrainingExample {
  Features query;
  Features positive;
  std::vector<Features> negatives;  // explicit hard negatives (may be empty)
};

struct ExampleKeys {
  uint64_t query = 0;
  std::vector<uint64_t> documents;  // the positive's key first, then each negative's
};

class PairSource {
 public:
  virtual ~PairSource() = default;
  // For logs and provenance, e.g. "qrels/train.tsv (919 pairs)".
  virtual std::string describe() const = 0;
  // Items available per epoch (the trainer's mixing weight scales how many are drawn).
  virtual int64_t size() const = 0;
  // Hard negatives each item carries (0 for most sources).
  virtual int64_t negatives_per_item() const { return 0; }
  virtual ExampleKeys keys(int64_t item) const = 0;
  // Draws item `item` into out (const and thread-safe: callers draw many items in parallel).
  virtual void draw(int64_t item, Random& random, TrainingExample& out) const = 0;
  // Only the query side of draw(item, random, ...) for the same random state (for clustering).
  virtual Features draw_query(int64_t item, Random& random) const;
};

// 64-bit FNV-1a of a string, for keys.
uint64_t text_key(std::string_view text);

}  // namespace tessera
