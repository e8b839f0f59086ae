#include "tessera/collection/metadata_filter.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "tessera/core/check.h"

namespace tessera {

namespace {

// A JSON scalar as a FieldValue; false when the value is not a scalar.
bool to_field_value(const nlohmann::json& value, FieldValue& out) {
  if (value.is_null()) {
    out = nullptr;
  } else if (value.is_boolean()) {
    out = value.get<bool>();
  } else if (value.is_number()) {
    out = value.get<double>();
  } else if (value.is_string()) {
    out = value.get<std::string>();
  } else {
    return false;
  }
  return true;
}

enum class Op { kEq, kNe, kIn, kNin, kGt, kGte, kLt, kLte, kExists, kAnd, kOr, kNot };

struct OpName {
  std::string_view name;
  Op op;
};
constexpr OpName kFieldOps[] = {{"$eq", Op::kEq},   {"$ne", Op::kNe},   {"$in", Op::kIn},
                                {"$nin", Op::kNin}, {"$gt", Op::kGt},   {"$gte", Op::kGte},
                                {"$lt", Op::kLt},   {"$lte", Op::kLte}, {"$exists", Op::kExists}};

std::string short_json(const nlohmann::json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

}  // namespace

DocumentFields::DocumentFields(const nlohmann::json& metadata) {
  TESSERA_CHECK(metadata.is_object(), "metadata must be a JSON object, got {}",
                short_json(metadata));
  for (const auto& [name, value] : metadata.items()) {
    std::vector<FieldValue> values;
    FieldValue scalar;
    if (to_field_value(value, scalar)) {
      values.push_back(std::move(scalar));
    } else if (value.is_array()) {
      for (const nlohmann::json& element : value) {
        if (to_field_value(element, scalar)) values.push_back(std::move(scalar));
      }
    }
    fields_.emplace_back(name, std::move(values));
  }
  std::sort(fields_.begin(), fields_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
}

const std::vector<FieldValue>* DocumentFields::find(const std::string& name) const {
  const auto it =
      std::lower_bound(fields_.begin(), fields_.end(), name,
                       [](const auto& field, const std::string& key) { return field.first < key; });
  return it != fields_.end() && it->first == name ? &it->second : nullptr;
}

struct MetadataFilter::Node {
  Op op = Op::kAnd;
  std::string field;                            // field operators
  std::vector<FieldValue> values;               // $eq / $ne: one; $in / $nin: the list
  double bound = 0;                             // ranges
  bool exists = true;                           // $exists
  std::vector<std::unique_ptr<Node>> children;  // $and / $or / $not

  bool matches(const DocumentFields& fields) const;
};

namespace {

using Node = MetadataFilter::Node;

bool any_equal(const std::vector<FieldValue>& have, const std::vector<FieldValue>& wanted) {
  for (const FieldValue& value : have) {
    if (std::find(wanted.begin(), wanted.end(), value) != wanted.end()) return true;
  }
  return false;
}

bool any_in_range(const std::vector<FieldValue>& have, Op op, double bound) {
  for (const FieldValue& value : have) {
    const double* number = std::get_if<double>(&value);
    if (number == nullptr) continue;
    const bool in = op == Op::kGt    ? *number > bound
                    : op == Op::kGte ? *number >= bound
                    : op == Op::kLt  ? *number < bound
                                     : *number <= bound;
    if (in) return true;
  }
  return false;
}

class FilterParser {
 public:
  explicit FilterParser(const FilterLimits& limits) : limits_(limits) {}

  // An object filter: its members all hold.
  std::unique_ptr<Node> parse_object(const nlohmann::json& filter, const std::string& path,
                                     int64_t depth) {
    TESSERA_CHECK(filter.is_object(), "{}: a filter is a JSON object, got {}", path,
                  short_json(filter));
    TESSERA_CHECK(depth <= limits_.max_depth, "{}: the filter is nested deeper than {} levels",
                  path, limits_.max_depth);
    auto all = std::make_unique<Node>();
    all->op = Op::kAnd;
    for (const auto& [key, value] : filter.items()) {
      const std::string where = path + "." + key;
      if (key == "$and" || key == "$or") {
        TESSERA_CHECK(value.is_array() && !value.empty(), "{}: takes a non-empty array of filters",
                      where);
        TESSERA_CHECK(std::ssize(value) <= limits_.max_values,
                      "{}: holds {} filters, more than the limit {}", where, value.size(),
                      limits_.max_values);
        auto node = std::make_unique<Node>();
        node->op = key == "$and" ? Op::kAnd : Op::kOr;
        for (size_t i = 0; i < value.size(); ++i) {
          node->children.push_back(
              parse_object(value[i], where + "[" + std::to_string(i) + "]", depth + 1));
        }
        all->children.push_back(std::move(node));
      } else if (key == "$not") {
        auto node = std::make_unique<Node>();
        node->op = Op::kNot;
        node->children.push_back(parse_object(value, where, depth + 1));
        all->children.push_back(std::move(node));
      } else {
        TESSERA_CHECK(!key.empty() && key[0] != '$',
                      "{}: unknown operator (logical operators are $and, $or, $not)", where);
        parse_field(key, value, where, *all);
      }
    }
    return all;
  }

 private:
  // A field's condition: a scalar (equality) or an object of operators.
  void parse_field(const std::string& field, const nlohmann::json& condition,
                   const std::string& path, Node& all) {
    FieldValue scalar;
    if (to_field_value(condition, scalar)) {
      all.children.push_back(field_node(field, Op::kEq, {std::move(scalar)}));
      return;
    }
    TESSERA_CHECK(condition.is_object() && !condition.empty(),
                  "{}: a condition is a value or an object of operators ($eq, $ne, $in, $nin, "
                  "$gt, $gte, $lt, $lte, $exists), got {}",
                  path, short_json(condition));
    for (const auto& [key, operand] : condition.items()) {
      const std::string& name = key;  // a lambda may not capture a structured binding (clang 14)
      const std::string where = path + "." + name;
      const auto known = std::find_if(std::begin(kFieldOps), std::end(kFieldOps),
                                      [&](const OpName& op) { return op.name == name; });
      TESSERA_CHECK(known != std::end(kFieldOps),
                    "{}: unknown operator (one of $eq, $ne, $in, $nin, $gt, $gte, $lt, $lte, "
                    "$exists)",
                    where);
      auto node = field_node(field, known->op, {});
      switch (known->op) {
        case Op::kEq:
        case Op::kNe:
          TESSERA_CHECK(to_field_value(operand, scalar),
                        "{}: takes a string, number, boolean or null, got {}", where,
                        short_json(operand));
          node->values.push_back(std::move(scalar));
          break;
        case Op::kIn:
        case Op::kNin:
          TESSERA_CHECK(operand.is_array(), "{}: takes an array of values, got {}", where,
                        short_json(operand));
          TESSERA_CHECK(std::ssize(operand) <= limits_.max_values,
                        "{}: holds {} values, more than the limit {}", where, operand.size(),
                        limits_.max_values);
          for (const nlohmann::json& element : operand) {
            TESSERA_CHECK(to_field_value(element, scalar),
                          "{}: takes strings, numbers, booleans or null, got {}", where,
                          short_json(element));
            node->values.push_back(std::move(scalar));
          }
          break;
        case Op::kExists:
          TESSERA_CHECK(operand.is_boolean(), "{}: takes true or false, got {}", where,
                        short_json(operand));
          node->exists = operand.get<bool>();
          break;
        default:  // ranges
          TESSERA_CHECK(operand.is_number(), "{}: takes a number, got {}", where,
                        short_json(operand));
          node->bound = operand.get<double>();
          break;
      }
      all.children.push_back(std::move(node));
    }
  }

  static std::unique_ptr<Node> field_node(const std::string& field, Op op,
                                          std::vector<FieldValue> values) {
    auto node = std::make_unique<Node>();
    node->op = op;
    node->field = field;
    node->values = std::move(values);
    return node;
  }

  const FilterLimits& limits_;
};

}  // namespace

bool MetadataFilter::Node::matches(const DocumentFields& fields) const {
  switch (op) {
    case Op::kAnd:
      return std::all_of(children.begin(), children.end(),
                         [&](const auto& child) { return child->matches(fields); });
    case Op::kOr:
      return std::any_of(children.begin(), children.end(),
                         [&](const auto& child) { return child->matches(fields); });
    case Op::kNot:
      return !children.front()->matches(fields);
    default:
      break;
  }
  const std::vector<FieldValue>* have = fields.find(field);
  switch (op) {
    case Op::kExists:
      return (have != nullptr) == exists;
    case Op::kEq:
    case Op::kIn:
      return have != nullptr && any_equal(*have, values);
    case Op::kNe:
    case Op::kNin:
      return have == nullptr || !any_equal(*have, values);
    default:
      return have != nullptr && any_in_range(*have, op, bound);
  }
}

MetadataFilter::MetadataFilter() = default;
MetadataFilter::~MetadataFilter() = default;
MetadataFilter::MetadataFilter(MetadataFilter&&) noexcept = default;
MetadataFilter& MetadataFilter::operator=(MetadataFilter&&) noexcept = default;

MetadataFilter MetadataFilter::parse(const nlohmann::json& filter, const FilterLimits& limits) {
  MetadataFilter result;
  if (filter.is_null()) return result;
  result.root_ = FilterParser(limits).parse_object(filter, "filter", 1);
  if (result.root_->children.empty()) result.root_.reset();  // {} matches everything
  return result;
}

bool MetadataFilter::matches(const DocumentFields& fields) const {
  return root_ == nullptr || root_->matches(fields);
}

}  // namespace tessera
