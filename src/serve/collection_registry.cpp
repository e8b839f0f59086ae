#include "collection_registry.h"

#include <filesystem>
#include <utility>

#include "tessera/core/check.h"

namespace tessera::serve {

namespace fs = std::filesystem;

std::string validate_collection_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return "a collection name has 1 to 64 characters";
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '-'))) {
      return "a collection name is letters, digits, '_' and '-', starting with a letter or digit";
    }
  }
  return {};
}

CollectionRegistry::CollectionRegistry(std::string data_directory,
                                       const std::map<std::string, std::string>& models)
    : data_directory_(std::move(data_directory)) {
  for (const auto& [name, path] : models) {
    ServedModel served{name, fs::absolute(path).lexically_normal().string(), nullptr, {}};
    served.checksum = model_file_checksum(served.path);
    served.model = std::make_shared<const Model>(Model::load(served.path));
    models_.push_back(std::move(served));
  }
  std::error_code error;
  fs::create_directories(data_directory_, error);
  TESSERA_CHECK(!error, "cannot create the data directory {}: {}", data_directory_,
                error.message());
  for (const fs::directory_entry& entry : fs::directory_iterator(data_directory_)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || !validate_collection_name(name).empty()) continue;
    collections_[name] = open(name);
  }
}

const ServedModel* CollectionRegistry::model(const std::string& name) const {
  for (const ServedModel& served : models_) {
    if (served.name == name) return &served;
  }
  return nullptr;
}

std::shared_ptr<Collection> CollectionRegistry::open(const std::string& name) {
  const std::string directory = (fs::path(data_directory_) / name).string();
  // A served model of the same file and checksum is shared instead of loaded again.
  const auto [path, checksum] = Collection::model_of(directory);
  for (const ServedModel& served : models_) {
    if (served.path == path && served.checksum == checksum) {
      return Collection::open(directory, served.model);
    }
  }
  return Collection::open(directory);
}

std::shared_ptr<Collection> CollectionRegistry::find(const std::string& name) const {
  const std::lock_guard<std::mutex> guard(mutex_);
  const auto it = collections_.find(name);
  return it == collections_.end() ? nullptr : it->second;
}

std::vector<std::string> CollectionRegistry::names() const {
  const std::lock_guard<std::mutex> guard(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, collection] : collections_) names.push_back(name);
  return names;
}

std::shared_ptr<Collection> CollectionRegistry::create(const std::string& name,
                                                       const std::string& model_name,
                                                       CollectionOptions options) {
  const std::string problem = validate_collection_name(name);
  TESSERA_CHECK(problem.empty(), "'{}': {}", name, problem);
  const ServedModel* served = model(model_name);
  TESSERA_CHECK(served != nullptr, "no model '{}' is served", model_name);
  const std::lock_guard<std::mutex> guard(mutex_);
  TESSERA_CHECK(collections_.count(name) == 0, "collection '{}' exists", name);
  const std::string directory = (fs::path(data_directory_) / name).string();
  options.model_path = served->path;
  Collection::create(directory, options);
  auto collection = std::shared_ptr<Collection>(Collection::open(directory, served->model));
  collections_[name] = collection;
  return collection;
}

bool CollectionRegistry::drop(const std::string& name) {
  std::shared_ptr<Collection> collection;
  {
    const std::lock_guard<std::mutex> guard(mutex_);
    const auto it = collections_.find(name);
    if (it == collections_.end()) return false;
    collection = std::move(it->second);
    collections_.erase(it);
  }
  const std::string directory = collection->directory();
  collection.reset();  // the last request holding it closes it
  std::error_code error;
  fs::remove_all(directory, error);
  TESSERA_CHECK(!error, "cannot remove {}: {}", directory, error.message());
  return true;
}

}  // namespace tessera::serve
