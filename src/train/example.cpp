#include "tessera/train/example.h"

namespace tessera {

uint64_t text_key(std::string_view text) {  // FNV-1a, 64-bit
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

Features ExampleSource::draw_anchor(int64_t item, Random& random) const {
  Example example;
  draw(item, random, example);
  return std::move(example.anchor);
}

}  // namespace tessera
