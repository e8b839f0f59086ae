// Fuzzes model files: the safetensors reader (header, tiling of the data section, alignment,
// checksum) and Model::load behind it (metadata, featurizer, vocabulary, towers, shapes, finite
// weights). The seeds are small models of format_version 2, which carry no checksum, so mutated
// inputs reach the checks behind it; a seed of version 3 covers the checksum itself. A loaded
// model embeds one text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "scratch_file.h"
#include "tessera/core/check.h"
#include "tessera/model/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = write_scratch_file("model", ".safetensors", data, size);
  if (path.empty()) return 0;
  try {
    const tessera::Model model = tessera::Model::load(path);
    const std::vector<std::string> texts = {"paris is in france"};
    (void)model.embed(texts, model.dim(), tessera::kQueryTower);
  } catch (const tessera::Error&) {
  }
  return 0;
}
