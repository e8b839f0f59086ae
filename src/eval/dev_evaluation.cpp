#include "tessera/eval/dev_evaluation.h"

#include <fmt/format.h>

#include <memory>
#include <unordered_set>

#include "tessera/eval/pair_accuracy.h"
#include "tessera/eval/retrieval_benchmark.h"

namespace tessera {

Trainer::EvaluateFn dev_evaluation(const TrainingData& data) {
  std::vector<Trainer::EvaluateFn> parts;
  if (!data.dev().query_ids.empty()) {
    std::vector<BeirQuery> queries;
    const std::unordered_set<std::string> ids(data.dev().query_ids.begin(),
                                              data.dev().query_ids.end());
    for (const BeirQuery& q : data.beir().queries) {
      if (ids.count(q.id)) queries.push_back(q);
    }
    auto benchmark = std::make_shared<const RetrievalBenchmark>(data.beir().corpus, queries,
                                                                qrels_from(data.dev().qrels));
    parts.push_back([benchmark](const Model& model) {
      RetrievalOptions options;  // flat at each prefix, binary + rescoring; no timings
      options.latency_queries = 0;
      options.batch_seconds = 0;
      std::map<std::string, double> metrics;
      for (const MethodResult& r : benchmark->evaluate(model, {}, options).methods) {
        metrics[r.name + " nDCG@10"] = r.metric("nDCG@10");
      }
      return metrics;
    });
  }
  if (!data.dev_pairs().empty()) {
    parts.push_back([&data](const Model& model) {
      std::map<std::string, double> metrics;
      for (const int64_t p : model.prefixes()) {
        metrics[fmt::format("pairs accuracy@1 dim {}", p)] =
            pair_accuracy(model, data.dev_pairs(), p);
      }
      return metrics;
    });
  }
  if (parts.empty()) return {};
  return [parts](const Model& model) {
    std::map<std::string, double> metrics;
    for (const auto& part : parts) metrics.merge(part(model));
    return metrics;
  };
}

}  // namespace tessera
