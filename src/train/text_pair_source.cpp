#include "tessera/train/text_pair_source.h"

#include <fmt/format.h>

#include <unordered_map>
#include <unordered_set>

#include "tessera/core/check.h"

namespace tessera {

uint64_t corpus_document_key(std::string_view doc_id) {
  return text_key(fmt::format("doc\x1f{}", doc_id));
}

uint64_t corpus_query_key(std::string_view query_id) {
  return text_key(fmt::format("query\x1f{}", query_id));
}

namespace {

// Interns texts by key, remembering each distinct text once for featurization.
class TextTable {
 public:
  int32_t add(uint64_t key, std::string_view text) {
    auto [it, inserted] = index_.try_emplace(key, static_cast<int32_t>(keys_.size()));
    if (inserted) {
      keys_.push_back(key);
      texts_.emplace_back(text);
    }
    return it->second;
  }
  std::vector<Features> featurize(const Featurizer& featurizer) const {
    return featurizer.featurize_all(texts_);
  }
  std::vector<uint64_t>& keys() { return keys_; }

 private:
  std::unordered_map<uint64_t, int32_t> index_;
  std::vector<uint64_t> keys_;
  std::vector<std::string> texts_;
};

}  // namespace

TextPairSource TextPairSource::from_pairs(const Featurizer& featurizer,
                                          const std::vector<TextPair>& pairs, std::string name) {
  TextTable table;
  TextPairSource source;
  source.name_ = std::move(name);
  for (const TextPair& pair : pairs) {
    Item item;
    // Queries and documents are keyed apart: a text used as both is not a duplicate.
    item.query = table.add(text_key(pair.query) ^ 1, pair.query);
    item.positive = table.add(text_key(pair.positive), pair.positive);
    if (pair.has_negative) {
      item.negatives.push_back(table.add(text_key(pair.negative), pair.negative));
    }
    source.max_negatives_ =
        std::max<int64_t>(source.max_negatives_, static_cast<int64_t>(item.negatives.size()));
    source.items_.push_back(std::move(item));
  }
  source.texts_ = table.featurize(featurizer);
  source.keys_ = std::move(table.keys());
  return source;
}

TextPairSource TextPairSource::from_beir(const Featurizer& featurizer, const BeirDataset& dataset,
                                         const std::vector<Qrel>& qrels,
                                         const std::vector<std::string>& exclude_queries,
                                         std::string name) {
  std::unordered_map<std::string_view, const BeirQuery*> queries;
  for (const BeirQuery& q : dataset.queries) queries.emplace(q.id, &q);
  std::unordered_map<std::string_view, const BeirDocument*> documents;
  for (const BeirDocument& d : dataset.corpus) documents.emplace(d.id, &d);
  const std::unordered_set<std::string_view> excluded(exclude_queries.begin(),
                                                      exclude_queries.end());
  TextTable table;
  TextPairSource source;
  source.name_ = std::move(name);
  for (const Qrel& qrel : qrels) {
    if (qrel.score <= 0 || excluded.count(qrel.query_id)) continue;
    auto q = queries.find(qrel.query_id);
    auto d = documents.find(qrel.doc_id);
    TESSERA_CHECK(q != queries.end() && d != documents.end(),
                  "qrels line {}: query {} or document {} is not in the dataset", qrel.line,
                  qrel.query_id, qrel.doc_id);
    Item item;
    item.query = table.add(corpus_query_key(qrel.query_id), q->second->text);
    const BeirDocument& doc = *d->second;
    item.positive = table.add(corpus_document_key(doc.id), document_text(doc));
    source.items_.push_back(std::move(item));
  }
  source.texts_ = table.featurize(featurizer);
  source.keys_ = std::move(table.keys());
  return source;
}

std::string TextPairSource::describe() const {
  return fmt::format("{} ({} pairs{})", name_, items_.size(),
                     max_negatives_ > 0 ? ", with hard negatives" : "");
}

ExampleKeys TextPairSource::keys(int64_t item) const {
  const Item& it = items_[static_cast<size_t>(item)];
  ExampleKeys keys;
  keys.anchor = keys_[static_cast<size_t>(it.query)];
  keys.documents.push_back(keys_[static_cast<size_t>(it.positive)]);
  for (int32_t n : it.negatives) keys.documents.push_back(keys_[static_cast<size_t>(n)]);
  return keys;
}

void TextPairSource::draw(int64_t item, Random& /*random*/, Example& out) const {
  const Item& it = items_[static_cast<size_t>(item)];
  out.anchor = texts_[static_cast<size_t>(it.query)];
  out.positives.assign(1, texts_[static_cast<size_t>(it.positive)]);
  out.negatives.clear();
  for (int32_t n : it.negatives) out.negatives.push_back(texts_[static_cast<size_t>(n)]);
}

Features TextPairSource::draw_anchor(int64_t item, Random& /*random*/) const {
  return texts_[static_cast<size_t>(items_[static_cast<size_t>(item)].query)];
}

}  // namespace tessera
