#include "tessera/collection/document_reader.h"

#include <nlohmann/json.hpp>

#include "tessera/core/check.h"
#include "tessera/data/line_source.h"

namespace tessera {

namespace {

std::string string_member(const nlohmann::json& object, const char* name, std::string_view where) {
  const nlohmann::json& value = object.at(name);
  TESSERA_CHECK(value.is_string(), "{}: \"{}\" must be a string, got {}", where, name,
                value.type_name());
  return value.get<std::string>();
}

}  // namespace

CollectionDocument document_from_json(const nlohmann::json& object, std::string_view where) {
  TESSERA_CHECK(object.is_object(), "{}: a document is a JSON object, got {}", where,
                object.type_name());
  CollectionDocument document;
  bool has_id = false;
  std::string title;
  nlohmann::json metadata = nlohmann::json::object();
  for (const auto& [key, value] : object.items()) {
    if (key == "id" || key == "_id") {
      TESSERA_CHECK(!has_id, "{}: both \"id\" and \"_id\"", where);
      document.id = string_member(object, key.c_str(), where);
      has_id = true;
    } else if (key == "text") {
      document.text = string_member(object, "text", where);
    } else if (key == "title") {
      title = string_member(object, "title", where);
    } else if (key == "metadata") {
      TESSERA_CHECK(value.is_object(), "{}: \"metadata\" must be a JSON object, got {}", where,
                    value.type_name());
      metadata = value;
    } else {
      TESSERA_FAIL("{}: unknown member \"{}\" (a document has id, text, title, metadata)", where,
                   key);
    }
  }
  TESSERA_CHECK(has_id, "{}: the document has no \"id\"", where);
  TESSERA_CHECK(object.contains("text") || !title.empty(), "{}: the document has no \"text\"",
                where);
  const std::string problem = validate_document_id(document.id);
  TESSERA_CHECK(problem.empty(), "{}: {}", where, problem);
  if (!title.empty()) {
    document.text = document.text.empty() ? title : title + " " + document.text;
    if (!metadata.contains("title")) metadata["title"] = title;
  }
  document.metadata = metadata.dump();
  return document;
}

void read_documents(const std::string& path, int64_t batch_size,
                    const std::function<void(std::vector<CollectionDocument>&&)>& on_batch) {
  TESSERA_CHECK(batch_size >= 1, "a batch holds at least one document");
  LineSource source = LineSource::open(path);
  std::vector<CollectionDocument> batch;
  std::string_view line;
  while (source.next(line)) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = fmt::format("{}:{}", source.name(), source.line_number());
    nlohmann::json object;
    try {
      object = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      TESSERA_FAIL("{}: not valid JSON: {}", where, e.what());
    }
    batch.push_back(document_from_json(object, where));
    if (std::ssize(batch) == batch_size) {
      on_batch(std::move(batch));
      batch.clear();
    }
  }
  if (!batch.empty()) on_batch(std::move(batch));
}

}  // namespace tessera
