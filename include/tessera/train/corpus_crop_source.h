// Self-supervised pairs from a raw corpus, as Contriever does (Izacard et al., "Unsupervised
// Dense Information Retrieval with Contrastive Learning", 2022): each document gives
// pairs_per_document pairs per epoch, alternating
//   (title, span of the body)            when the document has a title, and
//   (span of the body, another span)     independent random crops,
// with span lengths uniform in [span_min, span_max] tokens (clipped to the body) and uniform
// starts. The query side may be perturbed (character typos, word drop, local shuffle), so the
// model learns that a noisy rendering of a text still means the text.
//
// Documents are tokenized once (tokens without max_tokens, so crops reach the whole body);
// each draw featurizes its crops.
#pragma once

#include <string>
#include <vector>

#include "tessera/data/beir.h"
#include "tessera/train/example.h"

namespace tessera {

struct PerturbationOptions {
  double typo = 0.0;           // probability that a token gets one character edit
  double word_drop = 0.0;      // probability that a token is dropped (one always stays)
  int64_t shuffle_window = 0;  // tokens move at most this far (0: order kept)

  bool any() const { return typo > 0 || word_drop > 0 || shuffle_window > 0; }
};

struct CropOptions {
  int64_t pairs_per_document = 2;
  int64_t span_min = 8;
  int64_t span_max = 64;
  PerturbationOptions perturb;
};

class CorpusCropSource : public ExampleSource {
 public:
  // Tokenizes the documents (in parallel) with featurizer's tokenizer; documents with an empty
  // body give no pairs.
  CorpusCropSource(const Featurizer& featurizer, const std::vector<BeirDocument>& corpus,
                   const CropOptions& options, std::string name);

  std::string describe() const override;
  int64_t size() const override;
  ExampleKeys keys(int64_t item) const override;
  void draw(int64_t item, Random& random, Example& out) const override;
  Features draw_anchor(int64_t item, Random& random) const override;

 private:
  struct Document {
    std::vector<std::string> title;
    std::vector<std::string> body;
    uint64_t key = 0;
  };
  // The query side's tokens for item, then (if positive != nullptr) the positive's.
  void draw_tokens(int64_t item, Random& random, std::vector<std::string>& query,
                   std::vector<std::string>* positive) const;
  void crop(const std::vector<std::string>& body, Random& random,
            std::vector<std::string>& out) const;

  const Featurizer* featurizer_;
  CropOptions options_;
  std::vector<Document> documents_;  // those with a non-empty body
  std::string name_;
};

// Applies the perturbations to tokens in place (at least one token is kept).
void perturb_tokens(std::vector<std::string>& tokens, const PerturbationOptions& options,
                    Random& random);

}  // namespace tessera
