// `tessera train --task words`: the options only word vectors have, and the run, which takes the
// options `train` shares (--input, --dim, --epochs, --lr, --neg, --min-count, the char n-grams,
// the tokenizer, --seed, --threads, --out) with word2vec's and fastText's defaults where the user
// gave none.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "tessera/train/word_training.h"
#include "train_classify.h"
#include "train_run.h"

namespace tessera::cli {

struct WordsArgs {
  WordModelKind model = WordModelKind::kSkipgram;
  int32_t window = 5;
  double sample = 1e-4;
};

void add_words_options(CLI::App& cmd, WordsArgs& w);
void run_train_words(const CLI::App& cmd, const TrainArgs& a, const ClassifyArgs& c,
                     const WordsArgs& w);

}  // namespace tessera::cli
