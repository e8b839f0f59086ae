// WordNet data files (hand-written ones, broken ones, and the installed WordNet 3.0 when present)
// and the reverse-dictionary task built from them.
#include "tessera/data/wordnet.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "../core/test_support.h"
#include "data_test_support.h"
#include "tessera/data/reverse_dictionary.h"

namespace tessera {
namespace {

using ::testing::ElementsAre;
using testing::error_message;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::TempDir;

constexpr const char* kInstalled = "/usr/share/wordnet";

bool installed() { return std::filesystem::exists(std::string(kInstalled) + "/data.noun"); }

const char* const kLicense =
    "  1 This software and database is being provided to you, the LICENSEE, by  \n"
    "  2 Princeton University under the following license.  \n";

const WordNetSynset* find_id(const std::vector<WordNetSynset>& synsets, const std::string& id) {
  for (const WordNetSynset& synset : synsets) {
    if (synset.id == id) return &synset;
  }
  return nullptr;
}

std::vector<WordNetSynset> parse(const std::string& text) {
  return read_wordnet_data(LineSource::from_memory("data.test", text));
}

std::string parse_error(const std::string& text) {
  return error_message([&] { parse(text); });
}

// ---- data files ----

TEST(WordNet, ReadsNounLinesAfterTheLicense) {
  TempDir dir;
  const std::string path = dir.write(
      "data.noun",
      std::string(kLicense) +
          "00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 ~ 00002137 n 0000 ~ 04431553 n 0000 | "
          "that which is perceived or known or inferred to have its own distinct existence "
          "(living or nonliving)  \n"
          "02084071 05 n 03 dog 0 domestic_dog 0 Canis_familiaris 0 002 @ 02083346 n 0000 "
          "#m 02083863 n 0102 | a member of the genus Canis (probably descended from the common "
          "wolf) that has been domesticated by man since prehistoric times; occurs in many "
          "breeds; \"the dog barked all night\"  \n");
  const std::vector<WordNetSynset> synsets = read_wordnet_data(path);
  ASSERT_EQ(synsets.size(), 2u);
  EXPECT_EQ(synsets[0].id, "n00001740");
  EXPECT_EQ(synsets[0].pos, 'n');
  EXPECT_THAT(synsets[0].words, ElementsAre("entity"));
  EXPECT_EQ(synsets[0].definition,
            "that which is perceived or known or inferred to have its own distinct existence "
            "(living or nonliving)");
  EXPECT_THAT(synsets[0].examples, IsEmpty());
  EXPECT_EQ(synsets[0].line, 3);
  ASSERT_EQ(synsets[0].pointers.size(), 3u);
  EXPECT_EQ(synsets[0].pointers[2].symbol, "~");
  EXPECT_EQ(synsets[0].pointers[2].target, "n04431553");

  const WordNetSynset& dog = synsets[1];
  EXPECT_EQ(dog.id, "n02084071");
  EXPECT_THAT(dog.words, ElementsAre("dog", "domestic dog", "Canis familiaris"));
  EXPECT_EQ(dog.definition,
            "a member of the genus Canis (probably descended from the common wolf) that has been "
            "domesticated by man since prehistoric times; occurs in many breeds");
  EXPECT_THAT(dog.examples, ElementsAre("the dog barked all night"));
  ASSERT_EQ(dog.pointers.size(), 2u);
  EXPECT_EQ(dog.pointers[0].symbol, "@");
  EXPECT_EQ(dog.pointers[0].target, "n02083346");
  EXPECT_EQ(dog.pointers[0].source_word, 0);
  EXPECT_EQ(dog.pointers[0].target_word, 0);
  EXPECT_EQ(dog.pointers[1].symbol, "#m");
  EXPECT_EQ(dog.pointers[1].source_word, 1);
  EXPECT_EQ(dog.pointers[1].target_word, 2);
}

TEST(WordNet, HexWordCounts) {
  // 0b = 11 words, 1a = 26: a decimal reading would take the wrong number of fields.
  std::string eleven = "00000011 03 n 0b";
  for (int i = 1; i <= 11; ++i) eleven += " w" + std::to_string(i) + " " + (i == 11 ? "a" : "0");
  eleven += " 000 | eleven words  \n";
  std::string many = "00000026 03 n 1A";
  for (int i = 1; i <= 26; ++i) many += " m" + std::to_string(i) + " f";
  many += " 001 ! 00000011 n 1a0b | many words\n";
  const std::vector<WordNetSynset> synsets = parse(eleven + many);
  ASSERT_EQ(synsets.size(), 2u);
  ASSERT_EQ(synsets[0].words.size(), 11u);
  EXPECT_EQ(synsets[0].words[10], "w11");
  ASSERT_EQ(synsets[1].words.size(), 26u);
  EXPECT_EQ(synsets[1].words[25], "m26");
  EXPECT_EQ(synsets[1].pointers[0].source_word, 26);
  EXPECT_EQ(synsets[1].pointers[0].target_word, 11);
}

TEST(WordNet, AdjectiveMarkersAndSatellites) {
  const std::vector<WordNetSynset> synsets = parse(
      "00001740 00 a 02 able(a) 0 capable(p) 1 000 | (usually followed by `to') having the "
      "necessary means; \"able to swim\"\n"
      "00002956 00 s 03 galore(ip) 0 aplenty 0 in_abundance(ip) 0 001 & 00001740 a 0000 | in "
      "great numbers; \"food and drink galore\"\n");
  ASSERT_EQ(synsets.size(), 2u);
  EXPECT_EQ(synsets[0].id, "a00001740");
  EXPECT_THAT(synsets[0].words, ElementsAre("able", "capable"));
  EXPECT_EQ(synsets[0].definition, "(usually followed by `to') having the necessary means");
  EXPECT_EQ(synsets[1].id, "s00002956");
  EXPECT_EQ(synsets[1].pos, 's');
  EXPECT_THAT(synsets[1].words, ElementsAre("galore", "aplenty", "in abundance"));
  EXPECT_EQ(synsets[1].pointers[0].target, "a00001740");
}

TEST(WordNet, MarkersStayOnOtherPartsOfSpeech) {
  const std::vector<WordNetSynset> synsets = parse("00000001 03 n 01 odd(p) 0 000 | a noun\n");
  EXPECT_THAT(synsets[0].words, ElementsAre("odd(p)"));
}

TEST(WordNet, VerbFrames) {
  const std::vector<WordNetSynset> synsets = parse(
      "00001740 29 v 02 breathe 0 take_a_breath 0 001 $ 00002325 v 0000 02 + 02 00 + 08 02 | "
      "draw air into, and expel out of, the lungs; \"I can breathe better when the air is "
      "clean\"; \"The patient is respiring\"  \n"
      "00002325 29 v 01 respire 1 000 | undergo respiration\n");
  ASSERT_EQ(synsets.size(), 2u);
  EXPECT_THAT(synsets[0].words, ElementsAre("breathe", "take a breath"));
  EXPECT_EQ(synsets[0].definition, "draw air into, and expel out of, the lungs");
  EXPECT_THAT(synsets[0].examples, ElementsAre("I can breathe better when the air is clean",
                                               "The patient is respiring"));
  EXPECT_EQ(synsets[1].definition, "undergo respiration");
}

TEST(WordNet, GlossSplitting) {
  WordNetGloss gloss = split_wordnet_gloss("definition only  ");
  EXPECT_EQ(gloss.definition, "definition only");
  EXPECT_THAT(gloss.examples, IsEmpty());

  // A "; " inside quotes does not cut; an attribution after the closing quote is dropped.
  gloss = split_wordnet_gloss(
      "the act of taking revenge; \"Vengeance is mine; I will repay, saith the Lord\"--Romans "
      "12:19; \"he swore vengeance\"");
  EXPECT_EQ(gloss.definition, "the act of taking revenge");
  EXPECT_THAT(gloss.examples,
              ElementsAre("Vengeance is mine; I will repay, saith the Lord", "he swore vengeance"));

  // Trailing ';' after the last example and after a definition; a quote inside the definition.
  gloss = split_wordnet_gloss("a workplace; as in the expression \"on the job\";");
  EXPECT_EQ(gloss.definition, "a workplace; as in the expression \"on the job\"");
  EXPECT_THAT(gloss.examples, IsEmpty());
  gloss = split_wordnet_gloss("the work of applying something; \"a topical application\";");
  EXPECT_THAT(gloss.examples, ElementsAre("a topical application"));

  // An unbalanced quote: the "; \"" after it still starts the next example.
  gloss = split_wordnet_gloss(
      "being under control; \"he was in bondage to fear:; \"he sought release\"; \"a self "
      "freed\"");
  EXPECT_EQ(gloss.definition, "being under control");
  EXPECT_THAT(gloss.examples,
              ElementsAre("he was in bondage to fear:", "he sought release", "a self freed"));

  // A leading space, a space before "; ", and an example missing its opening quote.
  gloss = split_wordnet_gloss(
      " of Vietnam or its language ; \"the Vietnamese countryside\"; "
      "the Vietnamese tones\"");
  EXPECT_EQ(gloss.definition, "of Vietnam or its language");
  EXPECT_THAT(gloss.examples, ElementsAre("the Vietnamese countryside", "the Vietnamese tones"));

  gloss = split_wordnet_gloss("");
  EXPECT_EQ(gloss.definition, "");
  EXPECT_THAT(gloss.examples, IsEmpty());
}

TEST(WordNet, MalformedLinesNameFileLineAndProblem) {
  const std::string good = "00000001 03 n 01 thing 0 000 | a thing\n";
  // Wrong word count: the pointer count is read as a word, its symbol as a lex_id.
  EXPECT_THAT(parse_error(good + "00000002 03 n 02 entity 0 001 ~ 00000001 n 0000 | x\n"),
              HasSubstr("data.test:2: expected a 1-digit hex lex_id, found '~'"));
  // Wrong pointer count.
  EXPECT_THAT(parse_error(good + "00000002 03 n 01 entity 0 002 ~ 00000001 n 0000 | x\n"),
              HasSubstr("data.test:2: expected a pointer symbol, found '|'"));
  EXPECT_THAT(parse_error(good + "00000002 03 n 01 entity 0 000 x | y\n"),
              HasSubstr("data.test:2: expected '|' and the gloss, found 'x'"));
  // Missing '|'.
  EXPECT_THAT(parse_error(good + "00000002 03 n 01 entity 0 000\n"),
              HasSubstr("data.test:2: expected '|' and the gloss, found the end of the line"));
  // Bad hex, bad counts, bad fields.
  EXPECT_THAT(parse_error("00000002 03 n 0g entity 0 000 | x\n"),
              HasSubstr("data.test:1: expected a 2-digit hex word count, found '0g'"));
  EXPECT_THAT(parse_error("00000002 03 n 1 entity 0 000 | x\n"),
              HasSubstr("data.test:1: expected a 2-digit hex word count, found '1'"));
  EXPECT_THAT(parse_error("00000002 03 n 00 000 | x\n"),
              HasSubstr("data.test:1: expected a word count above 0, found '00'"));
  EXPECT_THAT(parse_error("00000002 03 n 01 entity x 000 | x\n"),
              HasSubstr("data.test:1: expected a 1-digit hex lex_id, found 'x'"));
  EXPECT_THAT(parse_error("0000002 03 n 01 entity 0 000 | x\n"),
              HasSubstr("data.test:1: expected an 8-digit synset offset, found '0000002'"));
  EXPECT_THAT(parse_error("00000002 3 n 01 entity 0 000 | x\n"),
              HasSubstr("data.test:1: expected a 2-digit lexicographer file number, found '3'"));
  EXPECT_THAT(parse_error("00000002 03 x 01 entity 0 000 | x\n"),
              HasSubstr("data.test:1: expected a synset type (n, v, a, s or r), found 'x'"));
  EXPECT_THAT(parse_error("00000002 03 n 01 entity 0 0001 | x\n"),
              HasSubstr("data.test:1: expected a 3-digit pointer count, found '0001'"));
  EXPECT_THAT(parse_error("00000002 03 n 01 entity 0 001 %% 00000001 n 0000 | x\n"),
              HasSubstr("data.test:1: expected a pointer symbol, found '%%'"));
  EXPECT_THAT(parse_error("00000002 03 n 01 entity 0 001 @ 0000001 n 0000 | x\n"),
              HasSubstr("data.test:1: expected an 8-digit pointer target offset, found '0000001'"));
  EXPECT_THAT(parse_error("00000002 03 n 01 entity 0 001 @ 00000001 q 0000 | x\n"),
              HasSubstr("expected a pointer part of speech (n, v, a, s or r), found 'q'"));
  EXPECT_THAT(parse_error("00000002 03 n 01 entity 0 001 @ 00000001 n 00z0 | x\n"),
              HasSubstr("data.test:1: expected a 4-digit hex pointer source/target, found '00z0'"));
  EXPECT_THAT(parse_error("00000002 03 n 01 entity 0 001 ! 00000001 n 0201 | x\n"),
              HasSubstr("data.test:1: expected a pointer source word <= the word count 1"));
  EXPECT_THAT(parse_error("00000002 03 n 01 entity  0 000 | x\n"),
              HasSubstr("data.test:1: expected a 1-digit hex lex_id, found an empty field"));
  EXPECT_THAT(
      parse_error("00000002 03 n 01 entity 0"),
      HasSubstr("data.test:1: expected a 3-digit pointer count, found the end of the line"));
  EXPECT_THAT(parse_error(good + "\n" + good),
              HasSubstr("data.test:2: expected a synset line, found an empty line"));
  EXPECT_THAT(parse_error(good + good),
              HasSubstr("data.test:2: expected a unique synset offset, found '00000001' again "
                        "(first on line 1)"));
  // Verb frames.
  EXPECT_THAT(parse_error("00000002 29 v 01 go 0 000 1 + 02 00 | x\n"),
              HasSubstr("data.test:1: expected a 2-digit frame count or '|', found '1'"));
  EXPECT_THAT(parse_error("00000002 29 v 01 go 0 000 02 + 02 00 | x\n"),
              HasSubstr("data.test:1: expected '+' before a verb frame, found '|'"));
  EXPECT_THAT(parse_error("00000002 29 v 01 go 0 000 01 + 02 02 | x\n"),
              HasSubstr("data.test:1: expected a frame word number <= the word count 1"));
  // An adjective word that is only a marker.
  EXPECT_THAT(parse_error("00000002 00 a 01 _(p) 0 000 | x\n"),
              HasSubstr("data.test:1: expected a word, found '_'"));
}

TEST(WordNet, MissingFilesSayHowToGetWordNet) {
  TempDir dir;
  std::string message = error_message([&] { read_wordnet_data(dir.file("data.noun")); });
  EXPECT_THAT(message, HasSubstr("WordNet is missing"));
  EXPECT_THAT(message, HasSubstr("wordnet-base"));
  EXPECT_THAT(message, HasSubstr(dir.file("data.noun")));

  message = error_message([&] { read_wordnet(dir.file("nowhere")); });
  EXPECT_THAT(message, HasSubstr("WordNet is missing: no directory"));
  EXPECT_THAT(message, HasSubstr("wordnet-base"));

  dir.write("data.noun", "00000001 03 n 01 thing 0 000 | a thing\n");
  message = error_message([&] { read_wordnet(dir.path().string()); });
  EXPECT_THAT(message, HasSubstr("WordNet is missing: no file data.verb in"));
  EXPECT_THAT(message, HasSubstr("wordnet-base"));
}

TEST(WordNet, ReadsADirectoryAndChecksPartsOfSpeech) {
  TempDir dir;
  dir.write("wn/data.noun", std::string(kLicense) + "00000001 03 n 01 thing 0 000 | a thing\n");
  dir.write("wn/data.verb", "00000001 29 v 01 go 0 000 01 + 02 00 | move\n");
  dir.write("wn/data.adj",
            "00000001 00 a 01 big(a) 0 000 | large\n"
            "00000050 00 s 01 huge 0 000 | very large\n");
  testing::write_gz(dir, "wn/data.adv.gz", "00000001 02 r 01 fast 0 000 | quickly\n");
  const std::vector<WordNetSynset> synsets = read_wordnet(dir.file("wn"));
  std::vector<std::string> ids;
  for (const WordNetSynset& synset : synsets) ids.push_back(synset.id);
  EXPECT_THAT(ids, ElementsAre("n00000001", "v00000001", "a00000001", "s00000050", "r00000001"));

  dir.write("wn/data.verb",
            "00000001 29 v 01 go 0 000 01 + 02 00 | move\n"
            "00000009 29 n 01 goal 0 000 | an end\n");
  EXPECT_THAT(error_message([&] { read_wordnet(dir.file("wn")); }),
              HasSubstr("data.verb:2: expected a synset of type v (the file's part of speech), "
                        "found type n"));
}

TEST(WordNet, DefaultDirectoryHonoursTheEnvironment) {
  const char* before = std::getenv("TESSERA_WORDNET_DIR");
  const std::optional<std::string> saved =
      before ? std::optional<std::string>(before) : std::nullopt;
  unsetenv("TESSERA_WORDNET_DIR");
  EXPECT_EQ(default_wordnet_directory(), "/usr/share/wordnet");
  setenv("TESSERA_WORDNET_DIR", "", 1);
  EXPECT_EQ(default_wordnet_directory(), "/usr/share/wordnet");
  setenv("TESSERA_WORDNET_DIR", "/opt/wn", 1);
  EXPECT_EQ(default_wordnet_directory(), "/opt/wn");
  if (saved) {
    setenv("TESSERA_WORDNET_DIR", saved->c_str(), 1);
  } else {
    unsetenv("TESSERA_WORDNET_DIR");
  }
}

// The installed WordNet 3.0, read once for all the tests below.
const std::vector<WordNetSynset>& installed_wordnet() {
  static const std::vector<WordNetSynset> synsets = read_wordnet(kInstalled);
  return synsets;
}

TEST(WordNet, InstalledNouns) {
  if (!installed()) GTEST_SKIP() << "no WordNet in " << kInstalled << " (package wordnet-base)";
  const std::vector<WordNetSynset> nouns =
      read_wordnet_data(std::string(kInstalled) + "/data.noun");
  EXPECT_EQ(nouns.size(), 82115u);
  const WordNetSynset* dog = find_id(nouns, "n02084071");
  ASSERT_NE(dog, nullptr);
  EXPECT_THAT(dog->words, ElementsAre("dog", "domestic dog", "Canis familiaris"));
  EXPECT_EQ(dog->definition,
            "a member of the genus Canis (probably descended from the common wolf) that has been "
            "domesticated by man since prehistoric times; occurs in many breeds");
  EXPECT_THAT(dog->examples, ElementsAre("the dog barked all night"));
}

TEST(WordNet, InstalledWordNetWhole) {
  if (!installed()) GTEST_SKIP() << "no WordNet in " << kInstalled << " (package wordnet-base)";
  const auto start = std::chrono::steady_clock::now();
  const std::vector<WordNetSynset> synsets = read_wordnet(kInstalled);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "read_wordnet: " << synsets.size() << " synsets in " << seconds << " s\n";
  // The published WordNet 3.0 counts: 82115 noun, 13767 verb, 18156 adjective, 3621 adverb.
  EXPECT_EQ(synsets.size(), 117659u);
  std::unordered_map<char, int64_t> by_pos;
  int64_t without_definition = 0;
  for (const WordNetSynset& synset : synsets) {
    ++by_pos[synset.pos];
    if (synset.definition.empty()) ++without_definition;
    for (const std::string& word : synset.words) {
      ASSERT_EQ(word.find('_'), std::string::npos) << synset.id;
      ASSERT_FALSE(word.ends_with("(a)") || word.ends_with("(p)") || word.ends_with("(ip)"))
          << synset.id << " " << word;
    }
  }
  EXPECT_EQ(by_pos['n'], 82115);
  EXPECT_EQ(by_pos['v'], 13767);
  EXPECT_EQ(by_pos['a'] + by_pos['s'], 18156);
  EXPECT_EQ(by_pos['r'], 3621);
  EXPECT_EQ(without_definition, 0);
  const WordNetSynset* galore = find_id(synsets, "s00014358");  // "abounding 0 galore(ip)"
  ASSERT_NE(galore, nullptr);
  EXPECT_THAT(galore->words, ElementsAre("abounding", "galore"));
}

// ---- reverse dictionary ----

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

WordNetSynset synset(const std::string& id, std::vector<std::string> words,
                     const std::string& definition, std::vector<std::string> examples = {}) {
  WordNetSynset out;
  out.id = id;
  out.pos = id[0];
  out.words = std::move(words);
  out.definition = definition;
  out.examples = std::move(examples);
  return out;
}

// The shape of a task: unique sorted documents titled by their word, unique queries of at least
// kMinHeldOutWords words, each judged, and qrels and training pairs naming existing documents.
void expect_task_invariants(const ReverseDictionary& task) {
  std::unordered_set<std::string> doc_ids;
  for (size_t i = 0; i < task.documents.size(); ++i) {
    const BeirDocument& doc = task.documents[i];
    EXPECT_TRUE(doc_ids.insert(doc.id).second) << "duplicate document " << doc.id;
    if (i > 0) {
      EXPECT_LT(task.documents[i - 1].id, doc.id);
    }
    EXPECT_EQ(doc.id, lower(doc.title));
    EXPECT_TRUE(doc.text.starts_with(doc.title)) << doc.id;
  }
  std::unordered_set<std::string> query_ids;
  for (const BeirQuery& query : task.test_queries) {
    EXPECT_TRUE(query_ids.insert(query.id).second) << "duplicate query " << query.id;
    EXPECT_GE(std::count(query.text.begin(), query.text.end(), ' '), kMinHeldOutWords - 1);
  }
  std::unordered_set<std::string> judged;
  for (const Qrel& qrel : task.test_qrels) {
    EXPECT_EQ(query_ids.count(qrel.query_id), 1u) << qrel.query_id;
    EXPECT_EQ(doc_ids.count(qrel.doc_id), 1u) << qrel.doc_id;
    EXPECT_EQ(qrel.score, 1);
    judged.insert(qrel.query_id);
  }
  EXPECT_EQ(judged.size(), query_ids.size());
  for (const auto& [definition, doc_id] : task.train_pairs) {
    EXPECT_EQ(doc_ids.count(doc_id), 1u) << doc_id;
    EXPECT_FALSE(definition.empty());
  }
}

// The ids of the held-out definitions found in a document or a training definition (ignoring
// case). An oracle independent of the builder's token anchors: every position of one lowercased
// corpus is looked up by its next `prefix` bytes among the queries' prefixes.
std::vector<std::string> seen_held_out(const ReverseDictionary& task) {
  std::string corpus;
  for (const BeirDocument& doc : task.documents) corpus += lower(doc.text) + '\n';
  for (const auto& pair : task.train_pairs) corpus += lower(pair.first) + '\n';
  std::vector<std::string> needles;
  size_t prefix = 16;
  for (const BeirQuery& query : task.test_queries) {
    needles.push_back(lower(query.text));
    prefix = std::min(prefix, needles.back().size());
  }
  std::vector<std::string> seen;
  if (needles.empty() || prefix == 0) return seen;
  std::unordered_map<std::string_view, std::vector<size_t>> by_prefix;
  for (size_t q = 0; q < needles.size(); ++q) {
    by_prefix[std::string_view(needles[q]).substr(0, prefix)].push_back(q);
  }
  const std::string_view text = corpus;
  for (size_t at = 0; at + prefix <= text.size(); ++at) {
    const auto it = by_prefix.find(text.substr(at, prefix));
    if (it == by_prefix.end()) continue;
    for (const size_t q : it->second) {
      if (text.substr(at, needles[q].size()) == needles[q]) seen.push_back(task.test_queries[q].id);
    }
  }
  return seen;
}

TEST(ReverseDictionary, TheUnseenOracleFindsSeenDefinitions) {
  ReverseDictionary task;
  task.documents.push_back({"dog", "dog", "dog\nxx A Member of the genus yy", 0});
  task.train_pairs.emplace_back("the act of swimming fast", "swim");
  task.test_queries.push_back({"q1", "a member of the genus", 0});
  task.test_queries.push_back({"q2", "the act of swimming", 0});
  task.test_queries.push_back({"q3", "a member of the family", 0});
  EXPECT_THAT(seen_held_out(task), ElementsAre("q1", "q2"));
}

std::vector<WordNetSynset> small_wordnet() {
  return {
      synset("n00000001", {"dog", "domestic dog", "Canis familiaris"},
             "a member of the genus Canis", {"the dog barked all night"}),
      synset("n00000002", {"dog", "frump"}, "a dull unattractive unpleasant girl or woman",
             {"she got a reputation as a frump"}),
      synset("n00000003", {"cat", "true cat"}, "feline mammal usually having thick soft fur"),
      synset("n00000004", {"Cat"}, "a spiteful woman gossip", {"what a cat she is!"}),
      // The same definition twice: neither can be held out.
      synset("n00000005", {"sea"}, "a large body of salt water"),
      synset("n00000006", {"ocean"}, "A large body of salt water"),
      // Too short to be held out.
      synset("n00000007", {"pup"}, "young dog"),
      // Its definition is inside another synset's example: never held out.
      synset("n00000008", {"swim"}, "the act of swimming"),
      synset("n00000009", {"bath"}, "a vessel for bathing", {"after the act of swimming, a bath"}),
      // Its definition is a word: never held out.
      synset("r00000010", {"in the bargain", "to boot"}, "in the bargain"),
      synset("v00000011", {"bark"}, "make barking sounds", {"the dogs barked at the stranger"}),
      synset("n00000012", {"frump"}, "a drab woman who wears old-fashioned clothes"),
  };
}

TEST(ReverseDictionary, HoldsOutOnlyUnseenDefinitions) {
  const std::vector<WordNetSynset> synsets = small_wordnet();
  ReverseDictionaryOptions options;
  options.held_out = 100;  // more than there are: every eligible synset
  const ReverseDictionary task = build_reverse_dictionary(synsets, options);
  std::vector<std::string> ids;
  for (const BeirQuery& query : task.test_queries) ids.push_back(query.id);
  EXPECT_THAT(ids, ElementsAre("n00000001:dog", "n00000002:dog", "n00000003:cat", "n00000004:cat",
                               "n00000009:bath", "v00000011:bark", "n00000012:frump"));
  EXPECT_EQ(task.test_queries[0].text, "a member of the genus Canis");
  expect_task_invariants(task);
  EXPECT_THAT(seen_held_out(task), IsEmpty());

  // Every word has a document, even one whose only synset is held out.
  std::vector<std::string> doc_ids;
  for (const BeirDocument& doc : task.documents) doc_ids.push_back(doc.id);
  EXPECT_THAT(doc_ids,
              ElementsAre("bark", "bath", "canis familiaris", "cat", "dog", "domestic dog", "frump",
                          "in the bargain", "ocean", "pup", "sea", "swim", "to boot", "true cat"));
  EXPECT_EQ(task.documents[2].title, "Canis familiaris");
  EXPECT_EQ(task.documents[2].text, "Canis familiaris");
  EXPECT_EQ(task.documents[3].title, "cat");  // first seen as "cat", then "Cat"
  EXPECT_EQ(task.documents[9].text, "pup\nyoung dog");
  EXPECT_EQ(task.documents[7].text, "in the bargain\nto boot\nin the bargain");

  // The dog query is relevant to each of its three words.
  std::vector<std::string> dog_docs;
  for (const Qrel& qrel : task.test_qrels) {
    if (qrel.query_id == "n00000001:dog") dog_docs.push_back(qrel.doc_id);
  }
  EXPECT_THAT(dog_docs, ElementsAre("dog", "domestic dog", "canis familiaris"));

  // Training pairs: every word of every synset not held out.
  EXPECT_THAT(
      task.train_pairs,
      ElementsAre(std::pair<std::string, std::string>("a large body of salt water", "sea"),
                  std::pair<std::string, std::string>("A large body of salt water", "ocean"),
                  std::pair<std::string, std::string>("young dog", "pup"),
                  std::pair<std::string, std::string>("the act of swimming", "swim"),
                  std::pair<std::string, std::string>("in the bargain", "in the bargain"),
                  std::pair<std::string, std::string>("in the bargain", "to boot")));
}

TEST(ReverseDictionary, HeldOutSynsetsGiveNothingToDocuments) {
  const std::vector<WordNetSynset> synsets = small_wordnet();
  ReverseDictionaryOptions options;
  options.held_out = 0;
  const ReverseDictionary all = build_reverse_dictionary(synsets, options);
  EXPECT_THAT(all.test_queries, IsEmpty());
  EXPECT_THAT(all.test_qrels, IsEmpty());
  EXPECT_EQ(all.train_pairs.size(), 17u);
  const auto dog = std::find_if(all.documents.begin(), all.documents.end(),
                                [](const BeirDocument& doc) { return doc.id == "dog"; });
  ASSERT_NE(dog, all.documents.end());
  EXPECT_EQ(dog->text,
            "dog\ndomestic dog\nCanis familiaris\nfrump\na member of the genus Canis\nthe dog "
            "barked all night\na dull unattractive unpleasant girl or woman\nshe got a reputation "
            "as a frump");

  // Holding out n00000001 drops its gloss, its example and its synonyms from "dog".
  for (uint64_t seed = 0; seed < 200; ++seed) {
    options.held_out = 1;
    options.seed = seed;
    const ReverseDictionary task = build_reverse_dictionary(synsets, options);
    ASSERT_EQ(task.test_queries.size(), 1u);
    if (task.test_queries[0].id != "n00000001:dog") continue;
    const auto held_dog = std::find_if(task.documents.begin(), task.documents.end(),
                                       [](const BeirDocument& doc) { return doc.id == "dog"; });
    EXPECT_EQ(held_dog->text,
              "dog\nfrump\na dull unattractive unpleasant girl or woman\nshe got a reputation "
              "as a frump");
    EXPECT_THAT(seen_held_out(task), IsEmpty());
    return;
  }
  ADD_FAILURE() << "no seed below 200 held out n00000001";
}

// Many synthetic synsets, so that different seeds choose different ones.
std::vector<WordNetSynset> numbered_wordnet(int n) {
  std::vector<WordNetSynset> synsets;
  for (int i = 0; i < n; ++i) {
    const std::string word = "word" + std::to_string(i);
    synsets.push_back(synset(fmt::format("n{:08d}", i), {word, "alias" + std::to_string(i % 7)},
                             "the meaning number " + std::to_string(i) + " of a thing",
                             {"an example with " + word}));
  }
  return synsets;
}

TEST(ReverseDictionary, DeterministicBySeed) {
  const std::vector<WordNetSynset> synsets = numbered_wordnet(300);
  ReverseDictionaryOptions options;
  options.held_out = 20;
  options.seed = 7;
  const ReverseDictionary a = build_reverse_dictionary(synsets, options);
  const ReverseDictionary b = build_reverse_dictionary(synsets, options);
  ASSERT_EQ(a.test_queries.size(), 20u);
  ASSERT_EQ(b.test_queries.size(), 20u);
  for (size_t i = 0; i < a.test_queries.size(); ++i) {
    EXPECT_EQ(a.test_queries[i].id, b.test_queries[i].id);
    EXPECT_EQ(a.test_queries[i].text, b.test_queries[i].text);
  }
  ASSERT_EQ(a.documents.size(), b.documents.size());
  for (size_t i = 0; i < a.documents.size(); ++i)
    EXPECT_EQ(a.documents[i].text, b.documents[i].text);
  EXPECT_EQ(a.train_pairs, b.train_pairs);
  EXPECT_EQ(a.train_pairs.size(), 2u * (300 - 20));
  EXPECT_EQ(a.test_qrels.size(), 2u * 20);
  expect_task_invariants(a);
  EXPECT_THAT(seen_held_out(a), IsEmpty());

  options.seed = 8;
  const ReverseDictionary c = build_reverse_dictionary(synsets, options);
  std::set<std::string> ids_a;
  std::set<std::string> ids_c;
  for (const BeirQuery& query : a.test_queries) ids_a.insert(query.id);
  for (const BeirQuery& query : c.test_queries) ids_c.insert(query.id);
  EXPECT_NE(ids_a, ids_c);
}

TEST(ReverseDictionary, MaxWordsKeepsTheMostSenses) {
  const std::vector<WordNetSynset> synsets = small_wordnet();
  ReverseDictionaryOptions options;
  options.held_out = 100;
  options.max_words = 3;  // the words with two senses: cat ("cat", "Cat"), dog, frump
  const ReverseDictionary task = build_reverse_dictionary(synsets, options);
  std::vector<std::string> doc_ids;
  for (const BeirDocument& doc : task.documents) doc_ids.push_back(doc.id);
  EXPECT_THAT(doc_ids, ElementsAre("cat", "dog", "frump"));
  EXPECT_EQ(task.documents[1].text, "dog");  // both of its synsets are held out
  for (const Qrel& qrel : task.test_qrels) {
    EXPECT_TRUE(qrel.doc_id == "cat" || qrel.doc_id == "dog" || qrel.doc_id == "frump");
  }
  EXPECT_EQ(task.test_queries.size(), 5u);
  expect_task_invariants(task);
  EXPECT_THAT(seen_held_out(task), IsEmpty());
}

// The task as a BEIR dataset and its training pairs: ids without spaces, one train query per
// distinct definition relevant to each word it defines, and each pair's document without the
// line of its own definition.
TEST(ReverseDictionary, DatasetAndTrainingPairs) {
  ReverseDictionaryOptions options;
  options.held_out = 1;
  const ReverseDictionary task = build_reverse_dictionary(small_wordnet(), options);
  const BeirDataset dataset = reverse_dictionary_dataset(task);
  ASSERT_EQ(dataset.splits.size(), 2u);
  EXPECT_EQ(dataset.splits[0].name, "train");
  EXPECT_EQ(dataset.splits[1].name, "test");
  for (const BeirDocument& doc : dataset.corpus) EXPECT_EQ(doc.id.find(' '), std::string::npos);
  std::unordered_map<std::string, std::string> query_text;
  for (const BeirQuery& query : dataset.queries) query_text[query.id] = query.text;
  std::unordered_set<std::string> definitions;
  for (const Qrel& qrel : dataset.splits[0].qrels) {
    EXPECT_TRUE(qrel.query_id.starts_with("train-"));
    definitions.insert(query_text.at(qrel.query_id));
  }
  EXPECT_EQ(definitions.size(),
            static_cast<size_t>(
                std::count_if(dataset.queries.begin(), dataset.queries.end(),
                              [](const BeirQuery& q) { return q.id.starts_with("train-"); })));
  const std::vector<TextPair> pairs = reverse_dictionary_pairs(dataset);
  ASSERT_EQ(pairs.size(), dataset.splits[0].qrels.size());
  std::unordered_map<std::string, std::string> document_text;
  for (const BeirDocument& doc : dataset.corpus) document_text[doc.id] = doc.text;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const Qrel& qrel = dataset.splits[0].qrels[i];
    EXPECT_EQ(pairs[i].query, query_text.at(qrel.query_id));
    // The document's lines but the definition's, in order.
    std::string expected;
    std::istringstream lines(document_text.at(qrel.doc_id));
    for (std::string line; std::getline(lines, line);) {
      if (line == pairs[i].query) continue;
      expected += (expected.empty() ? "" : "\n") + line;
    }
    EXPECT_EQ(pairs[i].positive, expected) << qrel.doc_id;
    EXPECT_NE(pairs[i].positive.size(), document_text.at(qrel.doc_id).size());
  }
}

TEST(ReverseDictionary, RejectsNegativeOptions) {
  ReverseDictionaryOptions options;
  options.held_out = -1;
  EXPECT_THAT(error_message([&] { build_reverse_dictionary({}, options); }),
              HasSubstr("held_out must be >= 0"));
}

TEST(ReverseDictionary, InstalledWordNet) {
  if (!installed()) GTEST_SKIP() << "no WordNet in " << kInstalled << " (package wordnet-base)";
  const std::vector<WordNetSynset>& synsets = installed_wordnet();
  ReverseDictionaryOptions options;  // held_out 2000, seed 0
  const auto start = std::chrono::steady_clock::now();
  const ReverseDictionary task = build_reverse_dictionary(synsets, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "build_reverse_dictionary: " << task.documents.size() << " documents, "
            << task.test_queries.size() << " queries, " << task.test_qrels.size() << " qrels, "
            << task.train_pairs.size() << " train pairs in " << seconds << " s\n";
  EXPECT_EQ(task.test_queries.size(), 2000u);
  EXPECT_GT(task.documents.size(), 140000u);
  expect_task_invariants(task);
  EXPECT_THAT(seen_held_out(task), IsEmpty());

  const ReverseDictionary again = build_reverse_dictionary(synsets, options);
  ASSERT_EQ(again.test_queries.size(), task.test_queries.size());
  for (size_t i = 0; i < task.test_queries.size(); ++i) {
    EXPECT_EQ(again.test_queries[i].id, task.test_queries[i].id);
  }

  options.max_words = 500;
  options.held_out = 100;
  const ReverseDictionary small = build_reverse_dictionary(synsets, options);
  EXPECT_EQ(small.documents.size(), 500u);
  EXPECT_EQ(small.test_queries.size(), 100u);
  expect_task_invariants(small);
  EXPECT_THAT(seen_held_out(small), IsEmpty());
}

}  // namespace
}  // namespace tessera
