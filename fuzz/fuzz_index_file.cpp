// Fuzzes the index file readers: the header and checksum (index_file.h), then the fields of every
// kind (flat, int8, binary, hnsw, funnel, bm25). The checksum would reject nearly every mutated
// input before any field is read, so the input's last 8 bytes are replaced by the checksum of the
// rest: the field checks themselves are what is fuzzed. A loaded index is searched once.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "tessera/core/check.h"
#include "tessera/index/bm25.h"
#include "tessera/index/index.h"
#include "tessera/index/index_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  if (bytes.size() >= 8) {
    const uint64_t checksum = tessera::checksum({bytes.data(), bytes.size() - 8});
    std::memcpy(bytes.data() + bytes.size() - 8, &checksum, 8);
  }
  try {
    tessera::IndexFileReader in(std::move(bytes), "fuzz.index");
    if (in.kind() == "bm25") {
      const tessera::Bm25Index index = tessera::Bm25Index::read_fields(in);
      in.finish();
      (void)index.search("a b c", 3);
    } else {
      const std::unique_ptr<tessera::Index> index = tessera::read_index_fields(in.kind(), in);
      in.finish();
      tessera::Tensor queries = tessera::Tensor::zeros({2, index->dim()});
      queries.row(0)[0] = 1.0f;
      (void)index->search(queries, 3);
    }
  } catch (const tessera::Error&) {
  }
  return 0;
}
