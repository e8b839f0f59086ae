#include "tessera/data/wordnet.h"

#include <fmt/format.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <unordered_map>
#include <utility>

#include "tessera/core/check.h"
#include "tessera/data/source_error.h"

namespace tessera {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kDefaultDirectory = "/usr/share/wordnet";

[[noreturn]] void fail_missing(const std::string& what) {
  throw Error(fmt::format(
      "WordNet is missing: {} (the Debian package wordnet-base installs WordNet 3.0 in {}; "
      "TESSERA_WORDNET_DIR names another directory)",
      what, kDefaultDirectory));
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The value of exactly `digits` digits in `base` (10 or 16), or -1.
int64_t fixed_number(std::string_view text, size_t digits, int base) {
  if (text.size() != digits) return -1;
  int64_t value = 0;
  for (const char c : text) {
    const int digit = hex_value(c);
    if (digit < 0 || digit >= base) return -1;
    value = value * base + digit;
  }
  return value;
}

bool is_pos(std::string_view text) {
  return text.size() == 1 && std::string_view("nvasr").find(text[0]) != std::string_view::npos;
}

// wndb's pointer symbols (WordNet 3.0 uses every one of them).
bool is_pointer_symbol(std::string_view symbol) {
  static constexpr std::array<std::string_view, 26> kSymbols = {
      "!",  "@",  "@i", "~",  "~i", "#m", "#s", "#p", "%m", "%s", "%p", "=", "+",
      ";c", "-c", ";r", "-r", ";u", "-u", "*",  ">",  "^",  "$",  "&",  "<", "\\"};
  for (const std::string_view known : kSymbols) {
    if (symbol == known) return true;
  }
  return false;
}

// Splits one synset line into its space-separated fields, failing with the source's line number.
class FieldCursor {
 public:
  FieldCursor(const LineSource& source, std::string_view line) : source_(source), rest_(line) {}

  // The next field; `what` names it in the error when the line has ended.
  std::string_view next(std::string_view what) {
    if (ended_) source_.fail(what, "the end of the line");
    const size_t space = rest_.find(' ');
    std::string_view field = rest_.substr(0, space);
    if (space == std::string_view::npos) {
      ended_ = true;
      rest_ = {};
    } else {
      rest_.remove_prefix(space + 1);
    }
    if (field.empty()) source_.fail(what, "an empty field (two spaces)");
    return field;
  }

  // A field of exactly `digits` digits in `base`.
  int64_t number(std::string_view what, size_t digits, int base) {
    const std::string_view field = next(what);
    const int64_t value = fixed_number(field, digits, base);
    if (value < 0) source_.fail(what, quote_found(field));
    return value;
  }

  // Everything after the last field read (the gloss after `|`).
  std::string_view rest() const { return rest_; }
  [[noreturn]] void fail(std::string_view expected, std::string_view found) const {
    source_.fail(expected, found);
  }

 private:
  const LineSource& source_;
  std::string_view rest_;
  bool ended_ = false;
};

// A data-file word as a lemma: '_' to ' ', and for adjectives the syntactic marker dropped.
std::string lemma(std::string_view word, char pos, const FieldCursor& cursor) {
  if (pos == 'a' || pos == 's') {
    for (const std::string_view marker : {"(a)", "(p)", "(ip)"}) {
      if (word.size() > marker.size() && word.ends_with(marker)) {
        word.remove_suffix(marker.size());
        break;
      }
    }
  }
  std::string out(word);
  for (char& c : out) {
    if (c == '_') c = ' ';
  }
  if (trim(out).empty()) cursor.fail("a word", quote_found(word));
  return out;
}

void parse_synset(const LineSource& source, std::string_view line, WordNetSynset& synset) {
  FieldCursor cursor(source, line);
  const std::string_view offset = cursor.next("an 8-digit synset offset");
  if (fixed_number(offset, 8, 10) < 0) cursor.fail("an 8-digit synset offset", quote_found(offset));
  cursor.number("a 2-digit lexicographer file number", 2, 10);
  const std::string_view type = cursor.next("a synset type (n, v, a, s or r)");
  if (!is_pos(type)) cursor.fail("a synset type (n, v, a, s or r)", quote_found(type));
  synset.pos = type[0];
  synset.id.assign(1, synset.pos);
  synset.id += offset;

  const int64_t word_count = cursor.number("a 2-digit hex word count", 2, 16);
  if (word_count == 0) cursor.fail("a word count above 0", "'00'");
  synset.words.clear();
  synset.words.reserve(static_cast<size_t>(word_count));
  for (int64_t i = 0; i < word_count; ++i) {
    synset.words.push_back(lemma(cursor.next("a word"), synset.pos, cursor));
    cursor.number("a 1-digit hex lex_id", 1, 16);
  }

  const int64_t pointer_count = cursor.number("a 3-digit pointer count", 3, 10);
  synset.pointers.clear();
  synset.pointers.reserve(static_cast<size_t>(pointer_count));
  for (int64_t i = 0; i < pointer_count; ++i) {
    WordNetPointer& pointer = synset.pointers.emplace_back();
    const std::string_view symbol = cursor.next("a pointer symbol");
    if (!is_pointer_symbol(symbol)) cursor.fail("a pointer symbol", quote_found(symbol));
    pointer.symbol = symbol;
    const std::string_view target = cursor.next("an 8-digit pointer target offset");
    if (fixed_number(target, 8, 10) < 0) {
      cursor.fail("an 8-digit pointer target offset", quote_found(target));
    }
    const std::string_view target_pos = cursor.next("a pointer part of speech (n, v, a, s or r)");
    if (!is_pos(target_pos)) {
      cursor.fail("a pointer part of speech (n, v, a, s or r)", quote_found(target_pos));
    }
    pointer.target.assign(1, target_pos[0]);
    pointer.target += target;
    const int64_t words = cursor.number("a 4-digit hex pointer source/target", 4, 16);
    pointer.source_word = static_cast<int>(words >> 8);
    pointer.target_word = static_cast<int>(words & 0xff);
    if (pointer.source_word > word_count) {
      cursor.fail(fmt::format("a pointer source word <= the word count {}", word_count),
                  fmt::format("word {}", pointer.source_word));
    }
  }

  std::string_view bar = cursor.next("'|' and the gloss");
  if (synset.pos == 'v' && bar != "|") {  // the verb frames: f_cnt + f_num w_num ...
    const int64_t frame_count = fixed_number(bar, 2, 10);
    if (frame_count < 0) cursor.fail("a 2-digit frame count or '|'", quote_found(bar));
    for (int64_t i = 0; i < frame_count; ++i) {
      const std::string_view plus = cursor.next("'+' before a verb frame");
      if (plus != "+") cursor.fail("'+' before a verb frame", quote_found(plus));
      cursor.number("a 2-digit frame number", 2, 10);
      const int64_t word = cursor.number("a 2-digit hex frame word number", 2, 16);
      if (word > word_count) {
        cursor.fail(fmt::format("a frame word number <= the word count {}", word_count),
                    fmt::format("word {}", word));
      }
    }
    bar = cursor.next("'|' and the gloss");
  }
  if (bar != "|") cursor.fail("'|' and the gloss", quote_found(bar));
  WordNetGloss gloss = split_wordnet_gloss(cursor.rest());
  synset.definition = std::move(gloss.definition);
  synset.examples = std::move(gloss.examples);
}

// Trims spaces, then any trailing ';' (and the spaces before it).
std::string_view trim_piece(std::string_view text) {
  text = trim(text);
  while (!text.empty() && text.back() == ';') text = trim(text.substr(0, text.size() - 1));
  return text;
}

}  // namespace

WordNetGloss split_wordnet_gloss(std::string_view gloss) {
  gloss = trim(gloss);
  // The pieces: gloss[begin, end) between "; " cuts.
  std::vector<std::pair<size_t, size_t>> pieces;
  bool in_quote = false;
  size_t begin = 0;
  for (size_t i = 0; i < gloss.size(); ++i) {
    const char c = gloss[i];
    if (c == '"') {
      in_quote = !in_quote;
    } else if (c == ';' && i + 1 < gloss.size() && gloss[i + 1] == ' ' &&
               (!in_quote || (i + 2 < gloss.size() && gloss[i + 2] == '"'))) {
      pieces.emplace_back(begin, i);
      begin = i + 2;
      in_quote = false;
      ++i;
    }
  }
  pieces.emplace_back(begin, gloss.size());

  WordNetGloss out;
  size_t first_example = pieces.size();
  for (size_t i = 0; i < pieces.size(); ++i) {
    const auto [piece_begin, piece_end] = pieces[i];
    if (trim(gloss.substr(piece_begin, piece_end - piece_begin)).starts_with('"')) {
      first_example = i;
      break;
    }
  }
  const size_t definition_end =
      first_example < pieces.size() ? pieces[first_example].first : gloss.size();
  out.definition = trim_piece(gloss.substr(0, definition_end));
  for (size_t i = first_example; i < pieces.size(); ++i) {
    std::string_view example =
        trim(gloss.substr(pieces[i].first, pieces[i].second - pieces[i].first));
    if (example.starts_with('"')) example.remove_prefix(1);
    const size_t last_quote = example.rfind('"');
    if (last_quote != std::string_view::npos) example = example.substr(0, last_quote);
    example = trim_piece(example);
    if (!example.empty()) out.examples.emplace_back(example);
  }
  return out;
}

std::vector<WordNetSynset> read_wordnet_data(LineSource source) {
  std::vector<WordNetSynset> synsets;
  std::unordered_map<std::string, int64_t> id_lines;
  std::string_view line;
  while (source.next(line)) {
    if (line.starts_with("  ")) continue;  // the license header
    if (line.empty()) source.fail("a synset line", "an empty line");
    WordNetSynset& synset = synsets.emplace_back();
    synset.line = source.line_number();
    parse_synset(source, line, synset);
    const auto [it, inserted] = id_lines.emplace(synset.id, synset.line);
    if (!inserted) {
      source.fail(
          "a unique synset offset",
          fmt::format("{} again (first on line {})", quote_found(synset.id.substr(1)), it->second));
    }
  }
  return synsets;
}

std::vector<WordNetSynset> read_wordnet_data(const std::string& path) {
  if (path != "-" && !fs::exists(path)) fail_missing(fmt::format("no file {}", path));
  return read_wordnet_data(LineSource::open(path));
}

std::string default_wordnet_directory() {
  const char* directory = std::getenv("TESSERA_WORDNET_DIR");
  if (directory != nullptr && directory[0] != '\0') return directory;
  return std::string(kDefaultDirectory);
}

std::vector<WordNetSynset> read_wordnet(const std::string& directory) {
  if (!fs::is_directory(directory)) fail_missing(fmt::format("no directory {}", directory));
  struct Part {
    const char* file;
    std::string_view types;
  };
  static constexpr std::array<Part, 4> kParts = {Part{"data.noun", "n"}, Part{"data.verb", "v"},
                                                 Part{"data.adj", "as"}, Part{"data.adv", "r"}};
  std::vector<WordNetSynset> synsets;
  for (const Part& part : kParts) {
    std::string path = (fs::path(directory) / part.file).string();
    if (!fs::exists(path) && fs::exists(path + ".gz")) path += ".gz";
    if (!fs::exists(path)) fail_missing(fmt::format("no file {} in {}", part.file, directory));
    std::vector<WordNetSynset> file_synsets = read_wordnet_data(path);
    for (const WordNetSynset& synset : file_synsets) {
      if (part.types.find(synset.pos) == std::string_view::npos) {
        throw_source_error(path, synset.line,
                           fmt::format("a synset of type {} (the file's part of speech)",
                                       part.types == "as" ? "a or s" : part.types),
                           fmt::format("type {}", synset.pos));
      }
    }
    if (synsets.empty()) {
      synsets = std::move(file_synsets);
    } else {
      synsets.insert(synsets.end(), std::make_move_iterator(file_synsets.begin()),
                     std::make_move_iterator(file_synsets.end()));
    }
  }
  return synsets;
}

}  // namespace tessera
