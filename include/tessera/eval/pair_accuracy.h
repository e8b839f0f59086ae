// Accuracy@1 on held-out pairs, the dev metric of training on pairs without relevance
// judgements: the share of queries whose own positive is the nearest (model vectors, inner
// product of normalized prefixes) among the positives of all the pairs, i.e. the in-batch
// accuracy of one batch that holds every pair. Ties go to the lower index (the query's own
// positive only when it comes first).
#pragma once

#include <cstdint>
#include <vector>

#include "tessera/data/pair_reader.h"
#include "tessera/model/model.h"

namespace tessera {

// dim: the prefix to score (0: the full dim). pairs must not be empty.
double pair_accuracy(const Model& model, const std::vector<TextPair>& pairs, int64_t dim = 0);

}  // namespace tessera
