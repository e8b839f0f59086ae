#include "tessera/train/classifier_head.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "tessera/core/check.h"

namespace tessera {

std::string ClassifierHead::to_json() const {
  nlohmann::json j{{"anchor_tower", anchor_tower},
                   {"label_tower", label_tower},
                   {"loss", name_of(loss)},
                   {"similarity", name_of(similarity)},
                   {"scale", scale},
                   {"examples", examples},
                   {"label_counts", label_counts}};
  if (!label_names.empty()) {
    j["label_names"] = label_names;
    j["label_texts"] = label_texts;
  }
  if (word_match != 0.0f) j["word_match"] = word_match;
  return j.dump();
}

ClassifierHead ClassifierHead::from_json(const std::string& text) {
  ClassifierHead head;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    head.anchor_tower = j.at("anchor_tower").get<std::string>();
    head.label_tower = j.at("label_tower").get<std::string>();
    head.loss = parse_enum<ClassifyLoss>(j.at("loss").get<std::string>(), "loss");
    head.similarity = parse_enum<Similarity>(j.at("similarity").get<std::string>(), "similarity");
    head.scale = j.at("scale").get<float>();
    head.examples = j.value("examples", int64_t{0});
    head.label_counts = j.value("label_counts", std::vector<int64_t>{});
    head.label_names = j.value("label_names", std::vector<std::string>{});
    head.label_texts = j.value("label_texts", std::vector<std::string>{});
    head.word_match = j.value("word_match", 0.0f);
  } catch (const nlohmann::json::exception& e) {
    TESSERA_FAIL("classifier head is malformed: {}", e.what());
  }
  TESSERA_CHECK(head.label_names.size() == head.label_texts.size(),
                "classifier head has {} label names and {} label texts", head.label_names.size(),
                head.label_texts.size());
  TESSERA_CHECK(head.scale > 0 && std::isfinite(head.scale), "classifier scale {} is not > 0",
                head.scale);
  TESSERA_CHECK(head.word_match >= 0 && std::isfinite(head.word_match),
                "classifier word match {} is not >= 0", head.word_match);
  return head;
}

}  // namespace tessera
