// The files of word-level benchmarks:
// - word similarity (WordSim-353, SimLex-999, MEN, RW, SimVerb, ...): `word1 word2 score` per
//   line, fields separated by tabs or spaces; a first line whose score is not a number is a
//   header (MEN's distribution has one) and is skipped;
// - word analogies (the Google set, questions-words.txt): `: section` lines open a section, then
//   `a b c d` lines, a is to b as c is to d.
// Errors are FILE:LINE source errors; blank lines are skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/data/line_source.h"

namespace tessera {

struct WordPair {
  std::string first;
  std::string second;
  double score = 0;  // the humans' judgement, on the set's own scale
  int64_t line = 0;
};

std::vector<WordPair> read_word_pairs(LineSource source);

struct AnalogyQuestion {
  std::string a, b, c, d;  // a : b :: c : d
  int32_t section = 0;     // into AnalogySet::sections
};

struct AnalogySet {
  std::vector<std::string> sections;  // in file order; questions before any header go to ""
  std::vector<AnalogyQuestion> questions;
};

AnalogySet read_analogy_questions(LineSource source);

}  // namespace tessera
