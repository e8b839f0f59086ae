// tessera_bench_make_model: a randomly initialized model over a vocabulary file, for timing
// `tessera embed` (speed does not depend on what the weights learned) without a training run.
// Usage: tessera_bench_make_model VOCAB.tsv OUT.safetensors DIM WORD_NGRAMS BUCKETS
// The featurizer keeps its defaults otherwise (NFKC, case folding, no char n-grams).
#include <cstdio>
#include <exception>
#include <string>

#include "tessera/model/model.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s VOCAB.tsv OUT.safetensors DIM WORD_NGRAMS BUCKETS\n", argv[0]);
    return 2;
  }
  try {
    tessera::FeaturizerConfig config;
    config.word_ngrams = std::stoi(argv[4]);
    config.buckets = std::stoll(argv[5]);
    tessera::ModelOptions options;
    options.dim = std::stoll(argv[3]);
    options.provenance = "{\"made_by\": \"tessera_bench_make_model, random weights\"}";
    tessera::Model::create(config, tessera::Vocabulary::load(argv[1]), options).save(argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tessera_bench_make_model: %s\n", e.what());
    return 1;
  }
  return 0;
}
