#include "filtered_search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "tessera/core/check.h"

namespace tessera::collection_detail {

namespace {

TopK padded(int64_t num_queries, int64_t k) {
  TopK top;
  top.num_queries = num_queries;
  top.k = k;
  top.ids.assign(num_queries * k, -1);
  top.scores.assign(num_queries * k, -std::numeric_limits<float>::infinity());
  return top;
}

// Row q of `from` (k_from wide, already best first) into row q of `to`, allowed ids only.
int64_t keep_allowed(const TopK& from, int64_t q, std::span<const uint8_t> allowed, TopK& to) {
  int64_t kept = 0;
  for (int64_t j = 0; j < from.k && kept < to.k; ++j) {
    const int64_t id = from.ids[q * from.k + j];
    if (id < 0 || allowed[id] == 0) continue;
    to.ids[q * to.k + kept] = id;
    to.scores[q * to.k + kept] = from.scores[q * from.k + j];
    ++kept;
  }
  return kept;
}

void copy_row(const TopK& from, int64_t from_row, TopK& to, int64_t to_row) {
  std::copy_n(from.ids.begin() + from_row * from.k, to.k, to.ids.begin() + to_row * to.k);
  std::copy_n(from.scores.begin() + from_row * from.k, to.k, to.scores.begin() + to_row * to.k);
}

std::vector<int64_t> allowed_rows(std::span<const uint8_t> allowed, int64_t num_allowed) {
  std::vector<int64_t> rows;
  rows.reserve(num_allowed);
  for (size_t id = 0; id < allowed.size(); ++id) {
    if (allowed[id] != 0) rows.push_back(static_cast<int64_t>(id));
  }
  return rows;
}

}  // namespace

TopK score_rows(const Index& index, const Tensor& queries, std::span<const int64_t> rows,
                int64_t k) {
  const int64_t nq = queries.rows();
  TopK top = padded(nq, k);
  std::vector<float> scores(rows.size());
  std::vector<int64_t> order(rows.size());
  for (int64_t q = 0; q < nq; ++q) {
    index.score(queries.slice_rows(q, q + 1), rows, std::ssize(rows), scores);
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
    const int64_t keep = std::min<int64_t>(k, std::ssize(order));
    auto better = [&](int64_t a, int64_t b) {
      return scores[a] != scores[b] ? scores[a] > scores[b] : rows[a] < rows[b];
    };
    std::partial_sort(order.begin(), order.begin() + keep, order.end(), better);
    for (int64_t j = 0; j < keep; ++j) {
      if (!std::isfinite(scores[order[j]]) && scores[order[j]] < 0) break;  // removed rows
      top.ids[q * k + j] = rows[order[j]];
      top.scores[q * k + j] = scores[order[j]];
    }
  }
  return top;
}

TopK filtered_search(const Index& index, const Tensor& queries, int64_t k,
                     const SearchParams& params, std::span<const uint8_t> allowed,
                     int64_t num_allowed) {
  TESSERA_CHECK(std::ssize(allowed) == index.num_added(),
                "the filter's mask covers {} rows, the index {}", allowed.size(),
                index.num_added());
  const int64_t nq = queries.rows();
  const int64_t size = index.size();
  if (num_allowed == 0) return padded(nq, k);
  if (num_allowed <= kExactRows || num_allowed * 8 <= size) {
    return score_rows(index, queries, allowed_rows(allowed, num_allowed), k);
  }
  const int64_t wanted = std::min(k, num_allowed);
  TopK top = padded(nq, k);
  std::vector<int64_t> pending(nq);
  for (int64_t q = 0; q < nq; ++q) pending[q] = q;
  const double ratio = static_cast<double>(size) / static_cast<double>(num_allowed);
  int64_t asked = std::min(size, std::max<int64_t>(2 * k, std::llround(k * ratio * 1.5)));
  while (!pending.empty()) {
    Tensor rows = Tensor::empty({std::ssize(pending), queries.cols()});
    for (size_t i = 0; i < pending.size(); ++i) {
      std::copy_n(queries.row(pending[i]), queries.cols(), rows.row(static_cast<int64_t>(i)));
    }
    SearchParams deeper = params;
    deeper.ef_search = std::max(params.ef_search, asked);
    deeper.shortlist = std::max(params.shortlist, asked);
    const TopK found = index.search(rows, asked, deeper);
    std::vector<int64_t> still;
    for (size_t i = 0; i < pending.size(); ++i) {
      TopK one = padded(1, k);
      if (keep_allowed(found, static_cast<int64_t>(i), allowed, one) >= wanted) {
        copy_row(one, 0, top, pending[i]);
      } else {
        still.push_back(pending[i]);
      }
    }
    pending = std::move(still);
    if (pending.empty()) break;
    if (asked >= size) {  // the whole index was asked for: score the rest exactly
      const std::vector<int64_t> candidates = allowed_rows(allowed, num_allowed);
      for (const int64_t q : pending) {
        const TopK exact = score_rows(index, queries.slice_rows(q, q + 1), candidates, k);
        copy_row(exact, 0, top, q);
      }
      break;
    }
    asked = std::min(size, asked * 4);
  }
  return top;
}

}  // namespace tessera::collection_detail
