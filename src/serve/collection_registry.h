// The collections a server keeps: one directory each under the data directory, opened once and
// shared by the request threads; and the models it serves, loaded once each by name.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tessera/collection/collection.h"
#include "tessera/model/model.h"

namespace tessera::serve {

// What is wrong with a collection name ("" when nothing): 1-64 of [A-Za-z0-9_-], starting with
// a letter or digit, so that a name is always one plain directory under the data directory.
std::string validate_collection_name(const std::string& name);

struct ServedModel {
  std::string name;
  std::string path;
  std::shared_ptr<const Model> model;
  std::string checksum;  // of the file, as collections record it
};

class CollectionRegistry {
 public:
  // Opens every collection under data_directory (created when missing); models: name -> path.
  CollectionRegistry(std::string data_directory, const std::map<std::string, std::string>& models);

  const std::vector<ServedModel>& models() const { return models_; }
  // The model of that name, or null.
  const ServedModel* model(const std::string& name) const;

  // null when there is no such collection.
  std::shared_ptr<Collection> find(const std::string& name) const;
  std::vector<std::string> names() const;
  // Creates and opens a collection over a served model; an Error if the name is taken.
  std::shared_ptr<Collection> create(const std::string& name, const std::string& model_name,
                                     CollectionOptions options);
  // Closes and deletes a collection's directory; false when there was none. Requests holding it
  // finish on the open collection.
  bool drop(const std::string& name);

 private:
  std::shared_ptr<Collection> open(const std::string& name);

  std::string data_directory_;
  std::vector<ServedModel> models_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Collection>> collections_;
};

}  // namespace tessera::serve
