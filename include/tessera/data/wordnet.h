// WordNet (Miller, 1995; Fellbaum, 1998) database files, version 3.0 as the Debian package
// wordnet-base installs them in /usr/share/wordnet: data.noun, data.verb, data.adj, data.adv.
//
// A data file (format in `man 5 wndb`) starts with license lines that begin with two spaces; every
// other line is one synset:
//
//   synset_offset lex_filenum ss_type w_cnt word lex_id [word lex_id...] p_cnt [ptr...]
//   [frames...] | gloss
//
// with an 8-digit decimal offset, a 2-digit lexicographer file number, the type (n, v, a, s, r), a
// 2-digit HEX word count, each word with a 1-digit hex lex_id, a 3-digit pointer count, each
// pointer as `symbol offset pos source/target` (4 hex digits), for verbs the frames
// (`f_cnt + f_num w_num...`), then `|` and the gloss. The gloss is a definition followed by
// examples in double quotes, separated by "; ".
//
// Every malformed line is a tessera::Error of the form `FILE:LINE: expected ..., found ...`
// (source_error.h). Reading all of WordNet 3.0 (117,659 synsets, 22 MB) takes a fraction of a
// second.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/data/line_source.h"

namespace tessera {

// A pointer (a semantic or lexical relation) from one synset to another.
struct WordNetPointer {
  std::string symbol;  // "@" hypernym, "~" hyponym, "!" antonym, ... (wndb's list)
  std::string target;  // the target synset's id, e.g. "n02083346"
  // 1-based word numbers within the source and target synsets of a lexical pointer (one between
  // two words); both 0 for a semantic pointer (between the whole synsets).
  int source_word = 0;
  int target_word = 0;
};

struct WordNetSynset {
  // Part-of-speech letter and the 8-digit offset, e.g. "n02084071" (dog); unique in WordNet.
  std::string id;
  char pos = 'n';  // 'n' noun, 'v' verb, 'a' adjective, 's' adjective satellite, 'r' adverb
  // Lemmas in file order, '_' turned into spaces, the adjective markers "(a)", "(p)", "(ip)"
  // stripped, case kept ("Canis familiaris").
  std::vector<std::string> words;
  std::string definition;             // the gloss before its first example, trimmed
  std::vector<std::string> examples;  // the gloss's quoted examples, quotes removed
  std::vector<WordNetPointer> pointers;
  int64_t line = 0;  // 1-based line in its data file
};

// A gloss split into its definition and examples. The gloss is cut at each "; " outside double
// quotes (and at each "; " followed by a quote, which heals the few unbalanced quotes in WordNet
// 3.0); the definition is everything before the first piece that starts with a quote, trailing
// ';' and spaces removed. Each piece from there on is an example: its opening quote, and
// everything from its last quote on (an attribution such as `"..."--Thomas Paine`), removed.
struct WordNetGloss {
  std::string definition;
  std::vector<std::string> examples;
};
WordNetGloss split_wordnet_gloss(std::string_view gloss);

// The synsets of one data file (data.noun, ...), in file order. A missing file is an error that
// says WordNet is missing and that the Debian package wordnet-base provides it; a file whose
// offsets repeat is an error naming the second line.
std::vector<WordNetSynset> read_wordnet_data(const std::string& path);
// The same for lines from any source (tests, fuzzing, a gzipped copy).
std::vector<WordNetSynset> read_wordnet_data(LineSource source);

// $TESSERA_WORDNET_DIR when set and not empty, otherwise "/usr/share/wordnet".
std::string default_wordnet_directory();

// All synsets of a WordNet directory: data.noun, data.verb, data.adj, data.adv in that order (each
// may also be gzipped, as data.noun.gz, ...). Checks that each file holds only its own parts of
// speech (a and s for data.adj), so ids are unique across files.
std::vector<WordNetSynset> read_wordnet(const std::string& directory = default_wordnet_directory());

}  // namespace tessera
