#include "tessera/data/reverse_dictionary.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "tessera/core/check.h"
#include "tessera/core/random.h"

namespace tessera {

namespace {

void ascii_lower_in_place(std::string& text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  ascii_lower_in_place(out);
  return out;
}

int64_t count_words(std::string_view text) {
  int64_t words = 0;
  bool in_word = false;
  for (const char c : text) {
    if (c == ' ') {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++words;
    }
  }
  return words;
}

// The distinct words (lowercased lemmas) of all synsets, and each synset's share of them.
struct WordTable {
  std::vector<std::string> keys;                     // lowercased lemma = document id
  std::vector<std::string_view> titles;              // first form seen
  std::vector<int64_t> senses;                       // synsets containing the word
  std::vector<std::vector<int32_t>> synset_words;    // per synset, distinct word indices
  std::vector<std::vector<std::string_view>> forms;  // per synset, the form of each of those
};

WordTable build_word_table(const std::vector<WordNetSynset>& synsets) {
  WordTable table;
  std::unordered_map<std::string, int32_t> index;
  table.synset_words.resize(synsets.size());
  table.forms.resize(synsets.size());
  std::string key;
  for (size_t s = 0; s < synsets.size(); ++s) {
    for (const std::string& word : synsets[s].words) {
      key = word;
      ascii_lower_in_place(key);
      auto it = index.find(key);
      if (it == index.end()) {
        it = index.emplace(key, static_cast<int32_t>(table.keys.size())).first;
        table.keys.push_back(key);
        table.titles.push_back(word);
        table.senses.push_back(0);
      }
      std::vector<int32_t>& words = table.synset_words[s];
      if (std::find(words.begin(), words.end(), it->second) != words.end()) continue;
      words.push_back(it->second);
      table.forms[s].push_back(word);
      ++table.senses[it->second];
    }
  }
  return table;
}

// Keeps the max_words words with the most senses (ties by key) in every synset's word list.
void keep_most_senses(WordTable& table, int64_t max_words) {
  const size_t n = table.keys.size();
  if (max_words <= 0 || static_cast<size_t>(max_words) >= n) return;
  std::vector<int32_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = static_cast<int32_t>(i);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    if (table.senses[a] != table.senses[b]) return table.senses[a] > table.senses[b];
    return table.keys[a] < table.keys[b];
  });
  std::vector<char> kept(n, 0);
  for (int64_t i = 0; i < max_words; ++i) kept[order[i]] = 1;
  for (size_t s = 0; s < table.synset_words.size(); ++s) {
    std::vector<int32_t>& words = table.synset_words[s];
    std::vector<std::string_view>& forms = table.forms[s];
    size_t out = 0;
    for (size_t i = 0; i < words.size(); ++i) {
      if (!kept[words[i]]) continue;
      words[out] = words[i];
      forms[out] = forms[i];
      ++out;
    }
    words.resize(out);
    forms.resize(out);
  }
  for (size_t i = 0; i < n; ++i) {
    if (!kept[i]) table.senses[i] = 0;
  }
}

// A text that may end up in a document or a training pair; owner: its synset, or -1 for a word.
struct Piece {
  std::string_view text;
  int32_t owner = -1;
};

// Multi-pattern substring search, exact (bytes). Each pattern has at least three space-separated
// words, so its longest inner word (one with a space on each side) is a whole space-delimited
// token of any text containing the pattern: texts are scanned token by token and a pattern is
// compared only where its anchor token stands.
class PatternSearch {
 public:
  explicit PatternSearch(const std::vector<std::string>& patterns) : patterns_(patterns) {
    for (size_t p = 0; p < patterns.size(); ++p) {
      const std::string_view pattern = patterns[p];
      const size_t first_space = pattern.find(' ');
      const size_t last_space = pattern.rfind(' ');
      TESSERA_CHECK(first_space != last_space, "a pattern of three words, not '{}'", pattern);
      std::string_view anchor;
      size_t anchor_offset = 0;
      size_t begin = first_space + 1;
      while (begin <= last_space) {
        const size_t end = pattern.find(' ', begin);
        if (end - begin > anchor.size()) {
          anchor = pattern.substr(begin, end - begin);
          anchor_offset = begin;
        }
        begin = end + 1;
      }
      TESSERA_CHECK(!anchor.empty(), "a pattern with an inner word, not '{}'", pattern);
      anchors_[anchor].push_back({static_cast<int32_t>(p), static_cast<int32_t>(anchor_offset)});
    }
  }

  // Calls found(p) for each pattern p at each place it occurs in text.
  template <typename Found>
  void scan(std::string_view text, Found&& found) const {
    size_t begin = 0;
    while (begin < text.size()) {
      size_t end = text.find(' ', begin);
      if (end == std::string_view::npos) end = text.size();
      if (end > begin) {
        const auto it = anchors_.find(text.substr(begin, end - begin));
        if (it != anchors_.end()) {
          for (const Anchor& anchor : it->second) {
            const std::string& pattern = patterns_[anchor.pattern];
            if (begin < static_cast<size_t>(anchor.offset)) continue;
            const size_t start = begin - anchor.offset;
            if (text.size() - start >= pattern.size() &&
                text.compare(start, pattern.size(), pattern) == 0) {
              found(anchor.pattern);
            }
          }
        }
      }
      begin = end + 1;
    }
  }

 private:
  struct Anchor {
    int32_t pattern;
    int32_t offset;  // of the anchor token in the pattern
  };
  const std::vector<std::string>& patterns_;
  std::unordered_map<std::string_view, std::vector<Anchor>> anchors_;
};

// The held-out synsets: candidates in seeded random order, each taken unless its definition
// occurs in another synset's piece or in a word, until `count` are taken.
std::vector<char> choose_held_out(const std::vector<WordNetSynset>& synsets, const WordTable& table,
                                  int64_t count, uint64_t seed) {
  std::vector<char> held(synsets.size(), 0);
  if (count <= 0) return held;
  std::vector<int32_t> candidates;
  std::vector<Piece> pieces;
  for (size_t s = 0; s < synsets.size(); ++s) {
    if (table.synset_words[s].empty()) continue;
    const WordNetSynset& synset = synsets[s];
    const auto owner = static_cast<int32_t>(s);
    // A '\n' would let the definition straddle two document lines (WordNet's never have one).
    if (count_words(synset.definition) >= kMinHeldOutWords &&
        synset.definition.find('\n') == std::string::npos) {
      candidates.push_back(owner);
    }
    pieces.push_back({synset.definition, owner});
    for (const std::string& example : synset.examples) pieces.push_back({example, owner});
  }
  for (size_t w = 0; w < table.keys.size(); ++w) {
    if (table.senses[w] > 0) pieces.push_back({table.keys[w], -1});
  }
  Random random(seed);
  shuffle(candidates, random);
  count = std::min(count, static_cast<int64_t>(candidates.size()));

  int64_t taken = 0;
  size_t next = 0;
  while (taken < count && next < candidates.size()) {
    // A batch a little larger than needed: nearly every candidate passes.
    const size_t batch_size =
        std::min(candidates.size() - next, static_cast<size_t>(count - taken) * 9 / 8 + 64);
    std::vector<std::string> patterns;
    patterns.reserve(batch_size);
    for (size_t i = 0; i < batch_size; ++i) {
      patterns.push_back(ascii_lower(synsets[candidates[next + i]].definition));
    }
    std::vector<char> seen(batch_size, 0);
    const PatternSearch search(patterns);
    std::string lowered;
    for (const Piece& piece : pieces) {
      lowered = piece.text;
      ascii_lower_in_place(lowered);
      search.scan(lowered, [&](int32_t p) {
        if (piece.owner != candidates[next + p]) seen[p] = 1;
      });
    }
    for (size_t i = 0; i < batch_size && taken < count; ++i) {
      if (seen[i]) continue;
      held[candidates[next + i]] = 1;
      ++taken;
    }
    next += batch_size;
  }
  return held;
}

}  // namespace

ReverseDictionary build_reverse_dictionary(const std::vector<WordNetSynset>& synsets,
                                           const ReverseDictionaryOptions& options) {
  TESSERA_CHECK(options.held_out >= 0, "held_out must be >= 0, not {}", options.held_out);
  TESSERA_CHECK(options.max_words >= 0, "max_words must be >= 0, not {}", options.max_words);
  WordTable table = build_word_table(synsets);
  keep_most_senses(table, options.max_words);
  const std::vector<char> held = choose_held_out(synsets, table, options.held_out, options.seed);

  ReverseDictionary out;
  // The kept synsets of each word, in synset order.
  std::vector<std::vector<int32_t>> word_synsets(table.keys.size());
  for (size_t s = 0; s < synsets.size(); ++s) {
    for (const int32_t w : table.synset_words[s])
      word_synsets[w].push_back(static_cast<int32_t>(s));
  }
  std::vector<int32_t> words;
  for (size_t w = 0; w < table.keys.size(); ++w) {
    if (table.senses[w] > 0) words.push_back(static_cast<int32_t>(w));
  }
  std::sort(words.begin(), words.end(),
            [&](int32_t a, int32_t b) { return table.keys[a] < table.keys[b]; });

  std::vector<int32_t> listed_for(table.keys.size(), -1);  // the word whose synonyms list it
  out.documents.reserve(words.size());
  for (const int32_t w : words) {
    BeirDocument& doc = out.documents.emplace_back();
    doc.id = table.keys[w];
    doc.title = table.titles[w];
    doc.text = doc.title;
    listed_for[w] = w;
    for (const int32_t s : word_synsets[w]) {
      if (held[s]) continue;
      for (size_t i = 0; i < table.synset_words[s].size(); ++i) {
        const int32_t other = table.synset_words[s][i];
        if (listed_for[other] == w) continue;
        listed_for[other] = w;
        doc.text += '\n';
        doc.text += table.forms[s][i];
      }
    }
    for (const int32_t s : word_synsets[w]) {
      if (held[s]) continue;
      if (!synsets[s].definition.empty()) {
        doc.text += '\n';
        doc.text += synsets[s].definition;
      }
      for (const std::string& example : synsets[s].examples) {
        doc.text += '\n';
        doc.text += example;
      }
    }
  }

  for (size_t s = 0; s < synsets.size(); ++s) {
    const std::vector<int32_t>& synset_words = table.synset_words[s];
    if (synset_words.empty()) continue;
    const WordNetSynset& synset = synsets[s];
    if (held[s]) {
      BeirQuery& query = out.test_queries.emplace_back();
      query.id = synset.id + ":" + table.keys[synset_words[0]];
      query.text = synset.definition;
      for (const int32_t w : synset_words)
        out.test_qrels.push_back({query.id, table.keys[w], 1, 0});
    } else if (!synset.definition.empty()) {
      for (const int32_t w : synset_words) {
        out.train_pairs.emplace_back(synset.definition, table.keys[w]);
      }
    }
  }
  return out;
}

namespace {

// Document ids as WordNet writes lemmas ("domestic_dog"): TREC run files split on spaces.
std::string to_id(std::string id) {
  std::replace(id.begin(), id.end(), ' ', '_');
  return id;
}

}  // namespace

BeirDataset reverse_dictionary_dataset(ReverseDictionary task) {
  BeirDataset dataset;
  for (BeirDocument& doc : task.documents) {
    doc.id = to_id(std::move(doc.id));
    dataset.corpus.push_back(std::move(doc));
  }
  BeirSplit train{"train", {}}, test{"test", {}};
  std::unordered_map<std::string, std::string> definition_query;  // definition -> query id
  for (auto& [definition, doc_id] : task.train_pairs) {
    auto [it, inserted] =
        definition_query.try_emplace(definition, fmt::format("train-{}", definition_query.size()));
    if (inserted) dataset.queries.push_back(BeirQuery{it->second, definition, 0});
    train.qrels.push_back(Qrel{it->second, to_id(doc_id), 1, 0});
  }
  // A word may be listed twice for one definition (two lemmas differing in case).
  std::sort(train.qrels.begin(), train.qrels.end(), [](const Qrel& a, const Qrel& b) {
    return std::tie(a.query_id, a.doc_id) < std::tie(b.query_id, b.doc_id);
  });
  train.qrels.erase(std::unique(train.qrels.begin(), train.qrels.end(),
                                [](const Qrel& a, const Qrel& b) {
                                  return a.query_id == b.query_id && a.doc_id == b.doc_id;
                                }),
                    train.qrels.end());
  for (BeirQuery& query : task.test_queries) {
    query.id = to_id(std::move(query.id));
    dataset.queries.push_back(std::move(query));
  }
  for (Qrel& qrel : task.test_qrels) {
    qrel.query_id = to_id(std::move(qrel.query_id));
    qrel.doc_id = to_id(std::move(qrel.doc_id));
    test.qrels.push_back(std::move(qrel));
  }
  dataset.splits = {std::move(train), std::move(test)};
  return dataset;
}

std::vector<TextPair> reverse_dictionary_pairs(const BeirDataset& dataset) {
  std::unordered_map<std::string_view, const BeirDocument*> documents;
  for (const BeirDocument& doc : dataset.corpus) documents[doc.id] = &doc;
  std::unordered_map<std::string_view, const BeirQuery*> queries;
  for (const BeirQuery& query : dataset.queries) queries[query.id] = &query;
  const auto train = std::find_if(dataset.splits.begin(), dataset.splits.end(),
                                  [](const BeirSplit& s) { return s.name == "train"; });
  TESSERA_CHECK(train != dataset.splits.end(), "the reverse dictionary has no train split");
  std::vector<TextPair> pairs;
  pairs.reserve(train->qrels.size());
  for (const Qrel& qrel : train->qrels) {
    TextPair pair;
    pair.query = queries.at(qrel.query_id)->text;
    const std::string& text = documents.at(qrel.doc_id)->text;
    size_t begin = 0;
    while (begin <= text.size()) {
      const size_t end = std::min(text.find('\n', begin), text.size());
      const std::string_view line(text.data() + begin, end - begin);
      if (line != pair.query) {
        if (!pair.positive.empty()) pair.positive += '\n';
        pair.positive += line;
      }
      begin = end + 1;
    }
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

}  // namespace tessera
