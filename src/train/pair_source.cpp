#include "tessera/train/pair_source.h"

namespace tessera {

uint64_t text_key(std::string_view text) {  // FNV-1a, 64-bit
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

Features PairSource::draw_query(int64_t item, Random& random) const {
  TrainingExample example;
  draw(item, random, example);
  return std::move(example.query);
}

}  // namespace tessera
