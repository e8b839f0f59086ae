#include "tessera/index/bm25.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <utility>

#include "tessera/core/check.h"
#include "tessera/core/parallel.h"

namespace tessera {

namespace {

// Per-thread accumulator: one score per document, all zero between searches. A document's
// score is > 0 once any query token matched it (idf > 0, tf > 0), so the first addition to a
// zero slot records it in `touched`, and only touched slots are reset afterwards.
struct Scratch {
  std::vector<float> scores;
  std::vector<uint32_t> touched;
};

Scratch& thread_scratch(int64_t num_documents) {
  thread_local Scratch scratch;
  if (std::ssize(scratch.scores) < num_documents) {
    scratch.scores.assign(static_cast<size_t>(num_documents), 0.0f);
  }
  return scratch;
}

// Higher score first, then lower document id.
bool ranks_before(const Bm25Hit& a, const Bm25Hit& b) {
  return a.score > b.score || (a.score == b.score && a.doc < b.doc);
}

}  // namespace

Bm25Index::Bm25Index(std::span<const std::string> documents, Bm25Options options)
    : Bm25Index(options, std::ssize(documents),
                [&, tokenizer = Tokenizer(options.tokenizer)](int64_t d, const TokenSink& add) {
                  tokenizer.for_each_token(documents[static_cast<size_t>(d)],
                                           fmt::format("document {}", d), [&](std::string&& token) {
                                             add(std::move(token));
                                             return true;
                                           });
                }) {}

Bm25Index Bm25Index::from_tokens(const std::vector<std::vector<std::string>>& documents,
                                 Bm25Options options) {
  return Bm25Index(std::move(options), std::ssize(documents), [&](int64_t d, const TokenSink& add) {
    for (const std::string& token : documents[static_cast<size_t>(d)]) {
      add(std::string(token));
    }
  });
}

namespace {

// One document's distinct terms in order of first appearance, each with its frequency, and its
// length in tokens.
struct DocumentTerms {
  std::vector<std::pair<std::string, uint32_t>> terms;
  int64_t length = 0;
};

DocumentTerms count_terms(int64_t doc, const Bm25Index::TokenFeed& tokens_of) {
  // term -> (first position among the distinct terms, frequency)
  thread_local std::unordered_map<std::string, std::pair<uint32_t, uint32_t>> seen;
  if (seen.bucket_count() > 4096) {
    seen = {};  // after a huge document: clear() would wipe all its buckets for every next one
  } else {
    seen.clear();
  }
  DocumentTerms counted;
  tokens_of(doc, [&](std::string&& token) {
    ++counted.length;
    const auto [it, inserted] =
        seen.try_emplace(std::move(token), static_cast<uint32_t>(seen.size()), 0);
    ++it->second.second;
  });
  counted.terms.resize(seen.size());
  while (!seen.empty()) {
    auto node = seen.extract(seen.begin());  // the key moves out, not copied
    counted.terms[node.mapped().first] = {std::move(node.key()), node.mapped().second};
  }
  return counted;
}

}  // namespace

Bm25Index::Bm25Index(Bm25Options options, int64_t num_documents, const TokenFeed& tokens_of)
    : options_(std::move(options)), tokenizer_(options_.tokenizer) {
  TESSERA_CHECK(std::isfinite(options_.k1) && options_.k1 >= 0, "BM25 k1 must be >= 0, got {}",
                options_.k1);
  TESSERA_CHECK(options_.b >= 0 && options_.b <= 1, "BM25 b must be in [0, 1], got {}", options_.b);
  TESSERA_CHECK(num_documents < std::numeric_limits<uint32_t>::max(),
                "BM25 holds at most 2^32 - 1 documents, got {}", num_documents);
  // Each document as (term id, tf) pairs in ascending term id; terms numbered as first seen.
  // Documents are counted in parallel a block at a time and numbered in order, so the tokens of
  // the whole corpus are never held at once and term ids do not depend on the thread count.
  constexpr int64_t kBlockDocuments = 4096;
  const auto n = static_cast<size_t>(num_documents);
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> doc_terms(n);
  std::vector<int64_t> lengths(n);
  std::vector<int64_t> document_frequency;
  int64_t total_length = 0;
  std::vector<DocumentTerms> block;
  for (int64_t first = 0; first < num_documents; first += kBlockDocuments) {
    const int64_t count = std::min(kBlockDocuments, num_documents - first);
    block.assign(static_cast<size_t>(count), {});
    parallel_for_dynamic(
        count,
        [&](int64_t begin, int64_t end, int) {
          for (int64_t i = begin; i < end; ++i) {
            block[static_cast<size_t>(i)] = count_terms(first + i, tokens_of);
          }
        },
        16);
    for (int64_t i = 0; i < count; ++i) {
      const auto d = static_cast<size_t>(first + i);
      DocumentTerms& counted = block[static_cast<size_t>(i)];
      auto& pairs = doc_terms[d];
      pairs.reserve(counted.terms.size());
      for (auto& [term, tf] : counted.terms) {
        const auto [it, inserted] =
            terms_.try_emplace(std::move(term), static_cast<uint32_t>(terms_.size()));
        if (inserted) document_frequency.push_back(0);
        pairs.emplace_back(it->second, tf);
        ++document_frequency[it->second];
      }
      std::sort(pairs.begin(), pairs.end());
      lengths[d] = counted.length;
      total_length += counted.length;
      counted = {};
    }
  }
  term_offsets_.assign(document_frequency.size() + 1, 0);
  for (size_t t = 0; t < document_frequency.size(); ++t) {
    term_offsets_[t + 1] = term_offsets_[t] + document_frequency[t];
  }
  posting_docs_.resize(static_cast<size_t>(term_offsets_.back()));
  posting_tfs_.resize(posting_docs_.size());
  std::vector<int64_t> next(term_offsets_.begin(), term_offsets_.end() - 1);
  for (size_t d = 0; d < doc_terms.size(); ++d) {  // documents in order: postings ascend
    for (const auto& [term, tf] : doc_terms[d]) {
      const auto slot = static_cast<size_t>(next[term]++);
      posting_docs_[slot] = static_cast<uint32_t>(d);
      posting_tfs_[slot] = tf;
    }
  }
  average_length_ = n == 0 ? 0.0 : static_cast<double>(total_length) / static_cast<double>(n);
  doc_norms_.resize(n);
  for (size_t d = 0; d < n; ++d) {
    const double relative =
        average_length_ > 0 ? static_cast<double>(lengths[d]) / average_length_ : 0.0;
    doc_norms_[d] = static_cast<float>(options_.k1 * (1.0 - options_.b + options_.b * relative));
  }
}

Bm25Index::Bm25Index(Bm25Options options)
    : options_(std::move(options)), tokenizer_(options_.tokenizer) {}

int64_t Bm25Index::memory_bytes() const {
  int64_t dictionary = 0;
  for (const auto& [term, id] : terms_) dictionary += std::ssize(term) + 48;  // node + string
  return dictionary + std::ssize(term_offsets_) * 8 + std::ssize(posting_docs_) * 4 +
         std::ssize(posting_tfs_) * 4 + std::ssize(doc_norms_) * 4;
}

void Bm25Index::save(const std::string& path) const {
  IndexFileWriter out(path, "bm25");
  save_fields(out);
  out.commit();
}

Bm25Index Bm25Index::load(const std::string& path) {
  IndexFileReader in(path);
  if (in.kind() != "bm25") in.fail(fmt::format("a '{}' index, not a bm25 index", in.kind()));
  Bm25Index index = read_fields(in);
  in.finish();
  return index;
}

void Bm25Index::save_fields(IndexFileWriter& out) const {
  out.write<float>(options_.k1);
  out.write<float>(options_.b);
  const TokenizerOptions& tokenizer = options_.tokenizer;
  out.write<uint8_t>(tokenizer.normalize.nfkc);
  out.write<uint8_t>(tokenizer.normalize.case_fold);
  out.write<uint8_t>(tokenizer.normalize.strip_accents);
  out.write<uint8_t>(static_cast<uint8_t>(tokenizer.normalize.on_invalid_utf8));
  out.write<uint8_t>(tokenizer.keep_punctuation);
  out.write<uint8_t>(tokenizer.remove_stop_words);
  out.write<uint8_t>(tokenizer.stem);
  out.write_string(tokenizer.stem_algorithm);
  std::vector<const std::string*> terms(terms_.size());
  for (const auto& [term, id] : terms_) terms[id] = &term;
  out.write<uint64_t>(terms.size());
  for (const std::string* term : terms) out.write_string(*term);
  out.write_array<int64_t>(term_offsets_);
  out.write_array<uint32_t>(posting_docs_);
  out.write_array<uint32_t>(posting_tfs_);
  out.write_array<float>(doc_norms_);
  out.write<double>(average_length_);
}

Bm25Index Bm25Index::read_fields(IndexFileReader& in) {
  Bm25Options options;
  options.k1 = in.read<float>("k1");
  options.b = in.read<float>("b");
  const auto flag = [&](std::string_view field) {
    const auto value = in.read<uint8_t>(field);
    if (value > 1) in.fail(fmt::format("field '{}' is {}, not 0 or 1", field, value));
    return value == 1;
  };
  TokenizerOptions& tokenizer = options.tokenizer;
  tokenizer.normalize.nfkc = flag("nfkc");
  tokenizer.normalize.case_fold = flag("case_fold");
  tokenizer.normalize.strip_accents = flag("strip_accents");
  const auto invalid_utf8 = in.read<uint8_t>("on_invalid_utf8");
  if (invalid_utf8 > static_cast<uint8_t>(InvalidUtf8::kReplace)) {
    in.fail(fmt::format("invalid on_invalid_utf8 value {}", invalid_utf8));
  }
  tokenizer.normalize.on_invalid_utf8 = static_cast<InvalidUtf8>(invalid_utf8);
  tokenizer.keep_punctuation = flag("keep_punctuation");
  tokenizer.remove_stop_words = flag("remove_stop_words");
  tokenizer.stem = flag("stem");
  tokenizer.stem_algorithm = in.read_string("stem_algorithm");
  if (!std::isfinite(options.k1) || options.k1 < 0 || !(options.b >= 0 && options.b <= 1)) {
    in.fail(fmt::format("invalid BM25 parameters k1 {}, b {}", options.k1, options.b));
  }
  Bm25Index index(std::move(options));

  const auto num_terms = in.read<uint64_t>("terms");
  for (uint64_t t = 0; t < num_terms; ++t) {
    if (!index.terms_.emplace(in.read_string("term"), static_cast<uint32_t>(t)).second) {
      in.fail(fmt::format("term {} is repeated", t));
    }
  }
  index.term_offsets_ = in.read_array<int64_t>("term offsets", num_terms + 1);
  index.posting_docs_ = in.read_array<uint32_t>("posting documents");
  index.posting_tfs_ = in.read_array<uint32_t>("posting frequencies");
  index.doc_norms_ = in.read_array<float>("document norms", UINT32_MAX - 1);
  index.average_length_ = in.read<double>("average length");
  const auto& offsets = index.term_offsets_;
  const auto num_docs = static_cast<uint32_t>(index.doc_norms_.size());
  if (offsets.size() != num_terms + 1 || offsets.front() != 0 ||
      offsets.back() != std::ssize(index.posting_docs_) ||
      index.posting_tfs_.size() != index.posting_docs_.size()) {
    in.fail("the term offsets do not match the postings");
  }
  for (uint64_t t = 0; t < num_terms; ++t) {  // so that every term's range is inside the postings
    if (offsets[t + 1] < offsets[t]) in.fail(fmt::format("term {}'s offsets decrease", t));
  }
  for (uint64_t t = 0; t < num_terms; ++t) {
    for (int64_t p = offsets[t]; p < offsets[t + 1]; ++p) {
      const auto slot = static_cast<size_t>(p);
      if (index.posting_docs_[slot] >= num_docs || index.posting_tfs_[slot] == 0 ||
          (p > offsets[t] && index.posting_docs_[slot] <= index.posting_docs_[slot - 1])) {
        in.fail(
            fmt::format("term {}'s postings are invalid (not ascending documents below {} "
                        "with positive frequencies)",
                        t, num_docs));
      }
    }
  }
  for (const float norm : index.doc_norms_) {
    if (!std::isfinite(norm) || norm < 0) in.fail(fmt::format("invalid document norm {}", norm));
  }
  if (!std::isfinite(index.average_length_) || index.average_length_ < 0) {
    in.fail(fmt::format("invalid average length {}", index.average_length_));
  }
  return index;
}

std::vector<std::string> Bm25Index::analyze(std::string_view text) const {
  return tokenizer_.tokenize(text, "query");
}

int64_t Bm25Index::term_id(std::string_view term) const {
  // C++20 heterogeneous lookup would need a transparent hash; one string per query term is cheap.
  const auto found = terms_.find(std::string(term));
  return found == terms_.end() ? -1 : static_cast<int64_t>(found->second);
}

int64_t Bm25Index::document_frequency(std::string_view term) const {
  const int64_t id = term_id(term);
  if (id < 0) return 0;
  return term_offsets_[static_cast<size_t>(id) + 1] - term_offsets_[static_cast<size_t>(id)];
}

float Bm25Index::idf(int64_t term) const {
  const auto df = static_cast<double>(term_offsets_[static_cast<size_t>(term) + 1] -
                                      term_offsets_[static_cast<size_t>(term)]);
  const auto n = static_cast<double>(num_documents());
  return static_cast<float>(std::log(1.0 + (n - df + 0.5) / (df + 0.5)));
}

float Bm25Index::score(std::span<const std::string> query_tokens, int64_t doc) const {
  TESSERA_CHECK(doc >= 0 && doc < num_documents(), "document {} is outside [0, {})", doc,
                num_documents());
  float total = 0;
  for (const std::string& token : query_tokens) {
    const int64_t term = term_id(token);
    if (term < 0) continue;
    const auto begin = posting_docs_.begin() + term_offsets_[static_cast<size_t>(term)];
    const auto end = posting_docs_.begin() + term_offsets_[static_cast<size_t>(term) + 1];
    const auto found = std::lower_bound(begin, end, static_cast<uint32_t>(doc));
    if (found == end || *found != static_cast<uint32_t>(doc)) continue;
    const auto tf =
        static_cast<float>(posting_tfs_[static_cast<size_t>(found - posting_docs_.begin())]);
    total += idf(term) * tf / (tf + doc_norms_[static_cast<size_t>(doc)]);
  }
  return total;
}

std::vector<Bm25Hit> Bm25Index::search(std::string_view query, int64_t k) const {
  const std::vector<std::string> tokens = analyze(query);
  return search_tokens(tokens, k);
}

std::vector<Bm25Hit> Bm25Index::search_tokens(std::span<const std::string> query_tokens,
                                              int64_t k) const {
  TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  Scratch& scratch = thread_scratch(num_documents());
  float* scores = scratch.scores.data();
  std::vector<uint32_t>& touched = scratch.touched;
  touched.clear();
  // Term at a time: each occurrence of a token adds its contribution (Lucene's BooleanQuery).
  for (const std::string& token : query_tokens) {
    const int64_t term = term_id(token);
    if (term < 0) continue;
    const float weight = idf(term);
    const int64_t end = term_offsets_[static_cast<size_t>(term) + 1];
    for (int64_t p = term_offsets_[static_cast<size_t>(term)]; p < end; ++p) {
      const uint32_t doc = posting_docs_[static_cast<size_t>(p)];
      const auto tf = static_cast<float>(posting_tfs_[static_cast<size_t>(p)]);
      if (scores[doc] == 0.0f) touched.push_back(doc);
      scores[doc] += weight * tf / (tf + doc_norms_[doc]);
    }
  }
  std::vector<Bm25Hit> hits;
  hits.reserve(touched.size());
  for (const uint32_t doc : touched) {
    hits.push_back(Bm25Hit{static_cast<int64_t>(doc), scores[doc]});
    scores[doc] = 0.0f;
  }
  const auto kept = static_cast<size_t>(std::min<int64_t>(k, std::ssize(hits)));
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(kept), hits.end(),
                    ranks_before);
  hits.resize(kept);
  return hits;
}

TopK Bm25Index::search_batch(std::span<const std::string> queries, int64_t k) const {
  TESSERA_CHECK(k >= 1, "k must be >= 1, got {}", k);
  TopK result;
  result.num_queries = std::ssize(queries);
  result.k = k;
  result.ids.assign(queries.size() * static_cast<size_t>(k), -1);
  result.scores.assign(result.ids.size(), -std::numeric_limits<float>::infinity());
  parallel_for_dynamic(
      std::ssize(queries),
      [&](int64_t begin, int64_t end, int) {
        for (int64_t q = begin; q < end; ++q) {
          const std::vector<Bm25Hit> hits = search(queries[static_cast<size_t>(q)], k);
          const size_t row = static_cast<size_t>(q * k);
          for (size_t j = 0; j < hits.size(); ++j) {
            result.ids[row + j] = hits[j].doc;
            result.scores[row + j] = hits[j].score;
          }
        }
      },
      8);
  return result;
}

}  // namespace tessera
