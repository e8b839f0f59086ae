#include "tessera/index/index.h"

#include "tessera/core/check.h"
#include "tessera/index/flat_index.h"
#include "tessera/index/funnel_index.h"
#include "tessera/index/hnsw_index.h"

namespace tessera {

void Index::score(const Tensor&, std::span<const int64_t>, int64_t, std::span<float>) const {
  TESSERA_FAIL("a {} index cannot score single ids", kind());
}

void Index::save(const std::string& path) const {
  IndexFileWriter out(path, kind());
  save_fields(out);
  out.commit();
}

std::unique_ptr<Index> read_index_fields(std::string_view kind, IndexFileReader& in) {
  if (kind == "flat") return FlatIndex::read_fields(in);
  if (kind == "int8") return Int8Index::read_fields(in);
  if (kind == "binary") return BinaryIndex::read_fields(in);
  if (kind == "hnsw") return HnswIndex::read_fields(in);
  if (kind == "funnel") return FunnelIndex::read_fields(in);
  in.fail(fmt::format("unknown vector index kind '{}'", kind));
}

std::unique_ptr<Index> load_index(const std::string& path, std::string_view expected_kind) {
  IndexFileReader in(path);
  if (!expected_kind.empty() && in.kind() != expected_kind) {
    in.fail(fmt::format("a '{}' index, not the '{}' index expected", in.kind(), expected_kind));
  }
  std::unique_ptr<Index> index = read_index_fields(in.kind(), in);
  in.finish();
  return index;
}

}  // namespace tessera
