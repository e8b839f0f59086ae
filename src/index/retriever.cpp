#include "tessera/index/retriever.h"

#include "tessera/core/check.h"

namespace tessera {

int64_t QueryBatch::size() const {
  return vectors.defined() ? vectors.rows() : static_cast<int64_t>(texts.size());
}

QueryBatch QueryBatch::slice(int64_t begin, int64_t end) const {
  TESSERA_CHECK(begin >= 0 && begin <= end && end <= size(), "queries [{}, {}) of {}", begin, end,
                size());
  QueryBatch out;
  if (!texts.empty()) {
    out.texts.assign(texts.begin() + begin, texts.begin() + end);
  }
  if (vectors.defined()) out.vectors = vectors.slice_rows(begin, end);
  return out;
}

}  // namespace tessera
