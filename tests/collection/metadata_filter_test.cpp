// MetadataFilter: each operator against hand-made documents, arrays matching by any element, and
// every malformed filter an Error naming where in the filter it is wrong.
#include "tessera/collection/metadata_filter.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../core/test_support.h"

namespace tessera {
namespace {

using nlohmann::json;
using testing::error_message;

bool matches(const char* filter, const char* metadata) {
  return MetadataFilter::parse(json::parse(filter)).matches(DocumentFields(json::parse(metadata)));
}

TEST(MetadataFilter, EqualityInAndNegations) {
  const char* doc = R"({"lang": "en", "year": 2004, "tags": ["a", "b"], "ok": true, "gone": null})";
  EXPECT_TRUE(matches(R"({"lang": "en"})", doc));
  EXPECT_FALSE(matches(R"({"lang": "de"})", doc));
  EXPECT_TRUE(matches(R"({"year": 2004.0})", doc));   // numbers compare as doubles
  EXPECT_FALSE(matches(R"({"year": "2004"})", doc));  // a string is not a number
  EXPECT_TRUE(matches(R"({"tags": "b"})", doc));      // any element of an array
  EXPECT_TRUE(matches(R"({"ok": true, "gone": null})", doc));
  EXPECT_TRUE(matches(R"({"lang": {"$in": ["de", "en"]}})", doc));
  EXPECT_FALSE(matches(R"({"lang": {"$nin": ["de", "en"]}})", doc));
  EXPECT_TRUE(matches(R"({"lang": {"$ne": "de"}})", doc));
  EXPECT_TRUE(matches(R"({"missing": {"$ne": "de"}})", doc));  // a missing field is not equal
  EXPECT_FALSE(matches(R"({"missing": "de"})", doc));
  EXPECT_TRUE(matches(R"({"lang": {"$exists": true}, "missing": {"$exists": false}})", doc));
  EXPECT_TRUE(matches("{}", doc));
  EXPECT_TRUE(MetadataFilter::parse(json::parse("{}")).empty());
  EXPECT_TRUE(MetadataFilter::parse(json()).empty());
}

TEST(MetadataFilter, RangesAndLogic) {
  const char* doc = R"({"year": 2004, "lang": "en"})";
  EXPECT_TRUE(matches(R"({"year": {"$gte": 2004, "$lt": 2010}})", doc));
  EXPECT_FALSE(matches(R"({"year": {"$gt": 2004}})", doc));
  EXPECT_TRUE(matches(R"({"year": {"$lte": 2004}})", doc));
  EXPECT_FALSE(matches(R"({"lang": {"$gt": 1}})", doc));  // ranges read numbers only
  EXPECT_TRUE(matches(R"({"$or": [{"lang": "de"}, {"year": 2004}]})", doc));
  EXPECT_FALSE(matches(R"({"$and": [{"lang": "de"}, {"year": 2004}]})", doc));
  EXPECT_TRUE(matches(R"({"$not": {"lang": "de"}})", doc));
  EXPECT_FALSE(matches(R"({"lang": "en", "$not": {"year": {"$gt": 2000}}})", doc));
}

TEST(MetadataFilter, MalformedFiltersNameTheirPlace) {
  auto error = [](const char* filter) {
    return error_message([&] { MetadataFilter::parse(json::parse(filter)); });
  };
  EXPECT_NE(error(R"({"year": {"$gt": "x"}})").find("filter.year.$gt: takes a number"),
            std::string::npos);
  EXPECT_NE(error(R"({"$and": [{"a": 1}, {"b": {"$regex": "x"}}]})")
                .find("filter.$and[1].b.$regex: unknown operator"),
            std::string::npos);
  EXPECT_NE(error(R"({"$nor": []})").find("filter.$nor: unknown operator"), std::string::npos);
  EXPECT_NE(error(R"({"$or": []})").find("non-empty array"), std::string::npos);
  EXPECT_NE(error(R"({"a": {"$in": "x"}})").find("takes an array"), std::string::npos);
  EXPECT_NE(error(R"({"a": {"$in": [[1]]}})").find("takes strings, numbers"), std::string::npos);
  EXPECT_NE(error(R"({"a": [1, 2]})").find("a condition is a value or an object"),
            std::string::npos);
  EXPECT_NE(error(R"({"a": {}})").find("a condition is a value"), std::string::npos);
  EXPECT_NE(error(R"({"a": {"$exists": 1}})").find("true or false"), std::string::npos);
  EXPECT_NE(error("[1]").find("a filter is a JSON object"), std::string::npos);
  // Nesting past the limit.
  std::string deep = R"({"a": 1})";
  for (int i = 0; i < 9; ++i) deep = R"({"$not": )" + deep + "}";
  EXPECT_NE(error(deep.c_str()).find("nested deeper than 8"), std::string::npos);
  FilterLimits limits;
  limits.max_values = 2;
  EXPECT_NE(error_message([&] {
              MetadataFilter::parse(json::parse(R"({"a": {"$in": [1, 2, 3]}})"), limits);
            }).find("more than the limit 2"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera
