#include "tessera/model/encoder.h"

namespace tessera {

EncoderInput EncoderInput::of_ids(std::span<const int32_t> ids) {
  EncoderInput input;
  input.bags.ids.assign(ids.begin(), ids.end());
  input.bags.offsets.resize(ids.size() + 1);
  for (size_t i = 0; i <= ids.size(); ++i) input.bags.offsets[i] = static_cast<int64_t>(i);
  return input;
}

std::vector<const Parameter*> Encoder::parameters() const {
  std::vector<const Parameter*> out;
  for (Parameter* p : const_cast<Encoder*>(this)->parameters()) out.push_back(p);
  return out;
}

}  // namespace tessera
