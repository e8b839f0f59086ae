// Encoder: a batch of inputs -> vectors, the one interface of every tower of a Model.
//
//   forward(graph, input)  (n x output_dim()) on the autograd tape, for training: backward
//                          reaches every one of parameters()
//   encode(input)          the same vectors without a tape, for inference: const and safe to
//                          call from several threads at once
//   parameters()           named tensors, one per role ("<name>.table", "<name>.projection"), so
//                          that optimizers, checkpoints and task-vector arithmetic are single
//                          loops over them
//   int_tensors()          what it stores beside its parameters that is not trained: int8
//                          codes, int32 row ids (a compact encoder's; most encoders have none)
//   config_json()          the settings that, with the parameters, rebuild the encoder
//                          (encoder_registry.h reads them back by kind())
//
// An input batch holds n items of the kind the encoder reads (input_kind()): feature bags of
// texts (the weighted ids of featurizer.h), or single ids of entities that have no features
// (labels, users, items); token sequences will come as the same CSR ids in order, and plain
// vectors as a dense tensor. BagEncoder (bag_encoder.h) and IdEncoder (id_encoder.h) are the
// kinds so far; a new kind implements this interface and registers its loader, and Model and the
// trainer work with it unchanged.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/core/autograd.h"
#include "tessera/core/embedding_bag.h"
#include "tessera/core/int_tensor.h"
#include "tessera/core/parameter.h"
#include "tessera/core/tensor.h"

namespace tessera {

// What an encoder reads.
enum class EncoderInputKind {
  kFeatures,  // one bag of weighted feature ids per item (a featurized text)
  kIds,       // exactly one id per item, weight 1
};

// A batch of n inputs. Ids always travel as bags in CSR form (bags.h): an IdEncoder's item is a
// bag of one id, so the examples of any task carry the same Features whatever reads them.
struct EncoderInput {
  Bags bags;

  int64_t size() const { return bags.size(); }
  // n one-id bags.
  static EncoderInput of_ids(std::span<const int32_t> ids);
};

class Encoder {
 public:
  virtual ~Encoder() = default;

  // "bag", "id", ...: names the kind in model files.
  virtual std::string_view kind() const = 0;
  // The prefix of its parameters' names ("query" -> "query.table").
  virtual const std::string& name() const = 0;
  virtual EncoderInputKind input_kind() const = 0;
  // Ids an input may hold: [0, input_size()).
  virtual int64_t input_size() const = 0;
  virtual int64_t output_dim() const = 0;

  // input (n items) -> (n x output_dim()), unnormalized, on graph's tape.
  virtual Var forward(Graph& graph, EncoderInput input) = 0;
  // input (n items) -> (n x output_dim()), unnormalized.
  virtual Tensor encode(const EncoderInput& input) const = 0;

  // Every trainable tensor, each named "<name()>.<role>".
  virtual std::vector<Parameter*> parameters() = 0;
  std::vector<const Parameter*> parameters() const;

  // Integer tensors saved with the parameters, each named "<name()>.<role>" too.
  virtual std::map<std::string, const IntTensor*> int_tensors() const { return {}; }

  // The settings (a JSON object) that encoder_registry.h's load_encoder needs beside the tensors.
  virtual std::string config_json() const = 0;
};

}  // namespace tessera
