#include "tessera/text/featurizer_config.h"

#include <array>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "tessera/core/check.h"

namespace tessera {

namespace {

using nlohmann::json;

// The value a config key names, or an Error naming the key and the choices.
template <typename Enum>
Enum enum_value(const std::string& key, const std::string& text) {
  for (const EnumName<Enum>& entry : enum_names<Enum>) {
    if (text == entry.name) return entry.value;
  }
  TESSERA_FAIL("featurizer config: '{}' must be one of {}, found '{}'", key,
               list_enum_names<Enum>(), text);
}

// Reads the keys of one JSON object, each exactly once, and rejects keys never asked for.
class StrictObject {
 public:
  StrictObject(const json& object, std::string path) : object_(object), path_(std::move(path)) {
    TESSERA_CHECK(object_.is_object(), "featurizer config: '{}' must be a JSON object, found {}",
                  path_, object_.type_name());
  }

  const json& at(const std::string& key) {
    const auto it = object_.find(key);
    TESSERA_CHECK(it != object_.end(), "featurizer config: missing key '{}{}'", prefix(), key);
    seen_.insert(key);
    return *it;
  }
  bool has(const std::string& key) const { return object_.contains(key); }
  bool boolean(const std::string& key) {
    const json& value = at(key);
    TESSERA_CHECK(value.is_boolean(), "featurizer config: '{}{}' must be true or false, found {}",
                  prefix(), key, value.dump());
    return value.get<bool>();
  }
  std::string string(const std::string& key) {
    const json& value = at(key);
    TESSERA_CHECK(value.is_string(), "featurizer config: '{}{}' must be a string, found {}",
                  prefix(), key, value.dump());
    return value.get<std::string>();
  }
  int64_t integer(const std::string& key, int64_t lo, int64_t hi) {
    const json& value = at(key);
    TESSERA_CHECK(value.is_number_integer() && value.get<int64_t>() >= lo &&
                      value.get<int64_t>() <= hi &&
                      !(value.is_number_unsigned() && value.get<uint64_t>() > uint64_t{INT64_MAX}),
                  "featurizer config: '{}{}' must be an integer in [{}, {}], found {}", prefix(),
                  key, lo, hi, value.dump());
    return value.get<int64_t>();
  }
  uint64_t unsigned_integer(const std::string& key) {
    const json& value = at(key);
    TESSERA_CHECK(
        value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0),
        "featurizer config: '{}{}' must be a non-negative integer, found {}", prefix(), key,
        value.dump());
    return value.get<uint64_t>();
  }
  StrictObject object(const std::string& key) { return StrictObject(at(key), prefix() + key); }
  void check_no_other_keys() const {
    for (const auto& [key, value] : object_.items()) {
      TESSERA_CHECK(seen_.count(key) == 1, "featurizer config: unknown key '{}{}'", prefix(), key);
    }
  }

 private:
  std::string prefix() const { return path_.empty() ? "" : path_ + "."; }

  const json& object_;
  std::string path_;
  std::set<std::string> seen_;
};

}  // namespace

void FeaturizerConfig::validate() const {
  TESSERA_CHECK(hash_version == 1, "featurizer hash_version {} is not supported (this build: 1)",
                hash_version);
  TESSERA_CHECK(max_tokens >= 0, "featurizer max_tokens must be >= 0, got {}", max_tokens);
  TESSERA_CHECK(word_ngrams >= 1 && word_ngrams <= 3,
                "featurizer word_ngrams must be in [1, 3], got {}", word_ngrams);
  TESSERA_CHECK(
      (char_ngram_min == 0 && char_ngram_max == 0) ||
          (char_ngram_min >= 1 && char_ngram_min <= char_ngram_max && char_ngram_max <= 16),
      "featurizer char n-grams need 1 <= min <= max <= 16 (or both 0), got {}..{}", char_ngram_min,
      char_ngram_max);
  TESSERA_CHECK(buckets >= 0 && buckets < INT32_MAX,
                "featurizer buckets must be in [0, 2^31), "
                "got {}",
                buckets);
  TESSERA_CHECK(buckets > 0 || (word_ngrams == 1 && char_ngram_max == 0),
                "featurizer word n-grams and char n-grams need buckets > 0");
  TESSERA_CHECK(!tokenizer.stem || !tokenizer.stem_algorithm.empty(),
                "featurizer stemming needs a stem_algorithm");
}

std::string FeaturizerConfig::to_json() const {
  const NormalizeOptions& n = tokenizer.normalize;
  json j = {
      {"hash_version", hash_version},
      {"hash_seed", hash_seed},
      {"normalize",
       {{"nfkc", n.nfkc},
        {"case_fold", n.case_fold},
        {"strip_accents", n.strip_accents},
        {"on_invalid_utf8", name_of(n.on_invalid_utf8)}}},
      {"tokenizer",
       {{"keep_punctuation", tokenizer.keep_punctuation},
        {"remove_stop_words", tokenizer.remove_stop_words},
        {"stem", tokenizer.stem},
        {"stem_algorithm", tokenizer.stem_algorithm}}},
      {"max_tokens", max_tokens},
      {"word_ngrams", word_ngrams},
      {"char_ngram_min", char_ngram_min},
      {"char_ngram_max", char_ngram_max},
      {"buckets", buckets},
      {"weighting", name_of(weighting)},
  };
  if (end_word) j["end_word"] = true;  // absent otherwise, as in files made before it
  return j.dump();
}

FeaturizerConfig FeaturizerConfig::from_json(std::string_view text) {
  json j;
  try {
    j = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    TESSERA_FAIL("featurizer config is not valid JSON: {}", e.what());
  }
  FeaturizerConfig config;
  StrictObject root(j, "");
  config.hash_version = static_cast<int32_t>(root.integer("hash_version", 1, INT32_MAX));
  config.hash_seed = root.unsigned_integer("hash_seed");
  {
    StrictObject n = root.object("normalize");
    config.tokenizer.normalize.nfkc = n.boolean("nfkc");
    config.tokenizer.normalize.case_fold = n.boolean("case_fold");
    config.tokenizer.normalize.strip_accents = n.boolean("strip_accents");
    config.tokenizer.normalize.on_invalid_utf8 =
        enum_value<InvalidUtf8>("normalize.on_invalid_utf8", n.string("on_invalid_utf8"));
    n.check_no_other_keys();
  }
  {
    StrictObject t = root.object("tokenizer");
    config.tokenizer.keep_punctuation = t.boolean("keep_punctuation");
    config.tokenizer.remove_stop_words = t.boolean("remove_stop_words");
    config.tokenizer.stem = t.boolean("stem");
    config.tokenizer.stem_algorithm = t.string("stem_algorithm");
    t.check_no_other_keys();
  }
  config.max_tokens = static_cast<int32_t>(root.integer("max_tokens", 0, INT32_MAX));
  config.word_ngrams = static_cast<int32_t>(root.integer("word_ngrams", 1, 3));
  config.char_ngram_min = static_cast<int32_t>(root.integer("char_ngram_min", 0, 16));
  config.char_ngram_max = static_cast<int32_t>(root.integer("char_ngram_max", 0, 16));
  config.buckets = root.integer("buckets", 0, INT32_MAX - 1);
  config.weighting = enum_value<FeatureWeighting>("weighting", root.string("weighting"));
  config.end_word = root.has("end_word") && root.boolean("end_word");
  root.check_no_other_keys();
  config.validate();
  return config;
}

bool FeaturizerConfig::operator==(const FeaturizerConfig& other) const {
  const NormalizeOptions& a = tokenizer.normalize;
  const NormalizeOptions& b = other.tokenizer.normalize;
  return a.nfkc == b.nfkc && a.case_fold == b.case_fold && a.strip_accents == b.strip_accents &&
         a.on_invalid_utf8 == b.on_invalid_utf8 &&
         tokenizer.keep_punctuation == other.tokenizer.keep_punctuation &&
         tokenizer.remove_stop_words == other.tokenizer.remove_stop_words &&
         tokenizer.stem == other.tokenizer.stem &&
         tokenizer.stem_algorithm == other.tokenizer.stem_algorithm &&
         max_tokens == other.max_tokens && word_ngrams == other.word_ngrams &&
         char_ngram_min == other.char_ngram_min && char_ngram_max == other.char_ngram_max &&
         buckets == other.buckets && weighting == other.weighting && end_word == other.end_word &&
         hash_version == other.hash_version && hash_seed == other.hash_seed;
}

}  // namespace tessera
