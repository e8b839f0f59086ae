#include "tessera/train/training_task.h"

#include <algorithm>
#include <numeric>

#include "tessera/core/check.h"

namespace tessera {

namespace {

void add_bag(Bags& out, const Features& item) { out.add(item.ids, item.weights); }

// Bag `row` of `from`, appended to out.
void add_bag(Bags& out, const Bags& from, int64_t row) {
  const auto begin = static_cast<size_t>(from.offsets[static_cast<size_t>(row)]);
  const auto end = static_cast<size_t>(from.offsets[static_cast<size_t>(row) + 1]);
  const std::span<const int32_t> ids(from.ids.data() + begin, end - begin);
  out.add(ids, from.weights.empty()
                   ? std::span<const float>()
                   : std::span<const float>(from.weights.data() + begin, end - begin));
}

// The catalog row an example's item names.
int64_t catalog_row(const Features& item, int64_t catalog_size) {
  TESSERA_CHECK(item.ids.size() == 1 && item.ids[0] >= 0 && item.ids[0] < catalog_size,
                "with a catalog of {} candidates, each positive and negative is one row id in [0, "
                "{})",
                catalog_size, catalog_size);
  return item.ids[0];
}

// Anchors then candidates through their towers: one forward pass when they share an encoder.
void forward(Graph& graph, Encoder& anchor_tower, Encoder& candidate_tower, Bags anchors,
             Bags candidates, EmbeddedBatch& out) {
  if (&anchor_tower != &candidate_tower) {
    out.anchors = anchor_tower.forward(graph, EncoderInput{std::move(anchors)});
    out.candidates = candidate_tower.forward(graph, EncoderInput{std::move(candidates)});
    return;
  }
  const int64_t b = anchors.size(), n = candidates.size();
  Bags both = std::move(anchors);
  for (int64_t row = 0; row < n; ++row) add_bag(both, candidates, row);
  const Var all = anchor_tower.forward(graph, EncoderInput{std::move(both)});
  out.anchors = slice_rows(all, 0, b);
  out.candidates = slice_rows(all, b, b + n);
}

}  // namespace

EncoderInput default_catalog(const Encoder& tower) {
  TESSERA_CHECK(tower.input_kind() == EncoderInputKind::kIds,
                "tower '{}' embeds features: its catalog of candidates must be given",
                tower.name());
  std::vector<int32_t> ids(static_cast<size_t>(tower.input_size()));
  std::iota(ids.begin(), ids.end(), 0);
  return EncoderInput::of_ids(ids);
}

EmbeddedBatch embed_batch(Graph& graph, Model& model, const TrainingTask& task,
                          const std::vector<Example>& examples, Random& random) {
  TESSERA_CHECK(!examples.empty(), "an empty batch");
  Encoder& anchor_tower = model.tower(task.anchor_tower);
  Encoder& candidate_tower = model.tower(task.candidate_tower);
  const auto b = static_cast<int64_t>(examples.size());
  EmbeddedBatch out;
  Bags anchors, candidates;
  for (const Example& ex : examples) {
    TESSERA_CHECK(!ex.positives.empty(), "an example without a positive");
    add_bag(anchors, ex.anchor);
  }
  std::vector<int64_t> row_targets;
  switch (task.candidates) {
    case Candidates::kInBatch: {
      // Rows 0..b-1 are the first positives (anchor i's is row i), then the other positives,
      // then the negatives.
      for (const Example& ex : examples) add_bag(candidates, ex.positives.front());
      std::vector<std::vector<int64_t>> more(static_cast<size_t>(b));
      for (int64_t i = 0; i < b; ++i) {
        const Example& ex = examples[static_cast<size_t>(i)];
        for (size_t p = 1; p < ex.positives.size(); ++p) {
          more[static_cast<size_t>(i)].push_back(candidates.size());
          add_bag(candidates, ex.positives[p]);
        }
      }
      for (const Example& ex : examples) {
        for (const Features& negative : ex.negatives) add_bag(candidates, negative);
      }
      for (int64_t i = 0; i < b; ++i) {
        row_targets.assign(1, i);
        row_targets.insert(row_targets.end(), more[static_cast<size_t>(i)].begin(),
                           more[static_cast<size_t>(i)].end());
        out.targets.add(row_targets);
      }
      break;
    }
    case Candidates::kAllRows:
    case Candidates::kSampledRows: {
      const Bags& catalog = task.catalog.bags;
      const int64_t size = catalog.size();
      TESSERA_CHECK(size > 0, "the task's catalog of candidates is empty");
      // The catalog rows taken as candidates, ascending (all of them for kAllRows).
      std::vector<int64_t> taken;
      if (task.candidates == Candidates::kSampledRows) {
        TESSERA_CHECK(task.samples >= 0, "sampled candidates: samples must be >= 0, got {}",
                      task.samples);
        for (const Example& ex : examples) {
          for (const Features& item : ex.positives) taken.push_back(catalog_row(item, size));
          for (const Features& item : ex.negatives) taken.push_back(catalog_row(item, size));
        }
        for (int64_t s = 0; s < task.samples; ++s) {
          taken.push_back(static_cast<int64_t>(random.below(static_cast<uint64_t>(size))));
        }
        std::sort(taken.begin(), taken.end());  // gathered in row order
        taken.erase(std::unique(taken.begin(), taken.end()), taken.end());
        for (const int64_t row : taken) add_bag(candidates, catalog, row);
      } else {
        candidates = catalog;
      }
      // A catalog row's position among the candidates.
      const auto position = [&](int64_t row) {
        if (taken.empty()) return row;
        return static_cast<int64_t>(std::lower_bound(taken.begin(), taken.end(), row) -
                                    taken.begin());
      };
      for (const Example& ex : examples) {
        row_targets.clear();
        for (const Features& item : ex.positives) {
          row_targets.push_back(position(catalog_row(item, size)));
        }
        std::sort(row_targets.begin(), row_targets.end());
        row_targets.erase(std::unique(row_targets.begin(), row_targets.end()), row_targets.end());
        out.targets.add(row_targets);
      }
      break;
    }
  }
  if (std::any_of(examples.begin(), examples.end(),
                  [](const Example& ex) { return ex.weight != 1.0f; })) {
    for (const Example& ex : examples) out.targets.weights.push_back(ex.weight);
  }
  forward(graph, anchor_tower, candidate_tower, std::move(anchors), std::move(candidates), out);
  return out;
}

}  // namespace tessera
