// Metadata filters: which documents of a collection a search may return, as a JSON object in
// the operator language of MongoDB (which Chroma and Qdrant's users know):
//
//   {"lang": "en"}                        equality ({"lang": {"$eq": "en"}}); a field holding an
//                                         array matches when any of its elements does
//   {"lang": {"$ne": "en"}}               not equal (a missing field is not equal)
//   {"lang": {"$in": ["en", "de"]}}       one of; "$nin": none of
//   {"year": {"$gte": 2000, "$lt": 2010}} numeric ranges: $gt, $gte, $lt, $lte (numbers only)
//   {"lang": {"$exists": true}}           the field is there (any value)
//   {"$and": [F, ...]}, {"$or": [F, ...]}, {"$not": F}
// Several members of one object all have to hold. Fields are the metadata's top-level members;
// values are strings, numbers, booleans and null (numbers compare as doubles).
//
// parse() checks the whole filter once, so that matching is a loop over typed nodes: an unknown
// operator, a value of the wrong type or a filter nested deeper than max_depth is an Error whose
// message names the place in the filter ("filter.$and[1].year: $gt takes a number, got "x"").
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <variant>
#include <vector>

namespace tessera {

// A metadata value a filter compares: null, a boolean, a number or a string.
using FieldValue = std::variant<std::nullptr_t, bool, double, std::string>;

// A document's filterable metadata: each top-level member with its value (several for an
// array of scalars), sorted by name. Members holding objects are kept as present, with no value.
class DocumentFields {
 public:
  DocumentFields() = default;
  // metadata must be a JSON object.
  explicit DocumentFields(const nlohmann::json& metadata);

  // The values of a field, or null when the document has no such field.
  const std::vector<FieldValue>* find(const std::string& name) const;

 private:
  std::vector<std::pair<std::string, std::vector<FieldValue>>> fields_;
};

struct FilterLimits {
  int64_t max_depth = 8;      // nesting of $and / $or / $not
  int64_t max_values = 1024;  // elements of one $in / $nin, and of one $and / $or
};

class MetadataFilter {
 public:
  // An empty filter: every document matches.
  MetadataFilter();
  ~MetadataFilter();
  MetadataFilter(MetadataFilter&&) noexcept;
  MetadataFilter& operator=(MetadataFilter&&) noexcept;

  // Parses a filter object; a null JSON value is the empty filter.
  static MetadataFilter parse(const nlohmann::json& filter, const FilterLimits& limits = {});

  bool empty() const { return root_ == nullptr; }
  bool matches(const DocumentFields& fields) const;

  struct Node;

 private:
  std::unique_ptr<Node> root_;
};

}  // namespace tessera
