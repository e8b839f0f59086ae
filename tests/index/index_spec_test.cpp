// Index specs: every form parses to the index it names, canonical names round-trip through the
// parser, defaults fill what a spec leaves open, and errors name the part that is wrong.
#include "tessera/index/index_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../core/test_support.h"
#include "tessera/index/funnel_index.h"

namespace tessera {
namespace {

using testing::error_message;
using ::testing::HasSubstr;

std::string canonical(std::string_view spec, int64_t dim = 256, const IndexDefaults& d = {}) {
  return resolve(parse_index_spec(spec), dim, d).name();
}

TEST(IndexSpec, CanonicalNamesOfEveryForm) {
  EXPECT_EQ(canonical("flat"), "flat@256");
  EXPECT_EQ(canonical("flat@64"), "flat@64");
  EXPECT_EQ(canonical("int8"), "int8@256");
  EXPECT_EQ(canonical("binary"), "binary@256");
  EXPECT_EQ(canonical("hnsw"), "hnsw@256");
  EXPECT_EQ(canonical("hnsw:M16,efc200"), "hnsw@256");  // the defaults are not written
  EXPECT_EQ(canonical("hnsw@128:M32:ef100"), "hnsw@128:M32:ef100");
  EXPECT_EQ(canonical("hnsw:efc300,M8"), "hnsw@256:M8:efc300");
  EXPECT_EQ(canonical("funnel"), "funnel@64>256");
  EXPECT_EQ(canonical("funnel@32"), "funnel@32>256");
  EXPECT_EQ(canonical("funnel@32>128"), "funnel@32>128");
  EXPECT_EQ(canonical("funnel:int8"), "funnel@64>256:int8");
  EXPECT_EQ(canonical("binary+rescore"), "binary@256+rescore");
  EXPECT_EQ(canonical("binary+rescore:int8"), "binary@256+rescore:int8");
  EXPECT_EQ(canonical("binary@64+rescore"), "binary@64+rescore@256");
  EXPECT_EQ(canonical("binary@64+rescore@128:float"), "binary@64+rescore@128");
  // The general form, named by its short name when it has one.
  EXPECT_EQ(canonical("int8@64>flat"), "funnel@64>256");
  EXPECT_EQ(canonical("binary>int8"), "binary@256+rescore:int8");
  EXPECT_EQ(canonical("flat@64>flat"), "flat@64>flat@256");
  EXPECT_EQ(canonical("hnsw@64:M8>int8@128"), "hnsw@64:M8>int8@128");
  EXPECT_EQ(canonical("int8>int8"), "int8@256>int8@256");
  // A small vector: a quarter of it shortlists.
  EXPECT_EQ(canonical("funnel", 32), "funnel@8>32");
  // Every canonical name parses back to itself.
  for (const char* spec :
       {"flat@64", "hnsw@128:M32:ef100", "funnel@32>128:int8", "binary@64+rescore@128:int8",
        "flat@64>flat@256", "hnsw@64:M8>int8@128"}) {
    EXPECT_EQ(canonical(canonical(spec)), canonical(spec)) << spec;
  }
}

TEST(IndexSpec, DefaultsFillWhatTheSpecLeavesOpen) {
  IndexDefaults d;
  d.funnel_dim = 16;
  d.rescorer = Rescorer::kInt8;
  d.hnsw.m = 24;
  d.shortlist = 300;
  EXPECT_EQ(canonical("funnel", 256, d), "funnel@16>256:int8");
  EXPECT_EQ(canonical("funnel:float", 256, d), "funnel@16>256");  // the spec says
  EXPECT_EQ(canonical("binary+rescore", 256, d), "binary@256+rescore:int8");
  EXPECT_EQ(canonical("int8@64>flat", 256, d), "funnel@64>256");  // explicit rescorer kind
  EXPECT_EQ(canonical("hnsw", 256, d), "hnsw@256:M24");
  EXPECT_EQ(canonical("hnsw:M16", 256, d), "hnsw@256");
  EXPECT_EQ(resolve(parse_index_spec("funnel"), 256, d).shortlist, 300);
}

TEST(IndexSpec, MakesTheIndexItNames) {
  const auto check = [](std::string_view spec, const std::string& kind, int64_t dim, double bytes) {
    const std::unique_ptr<Index> index = make_index(resolve(parse_index_spec(spec), 256), true);
    EXPECT_EQ(index->kind(), kind) << spec;
    EXPECT_EQ(index->dim(), dim) << spec;
    EXPECT_EQ(index->bytes_per_vector(), bytes) << spec;
  };
  check("flat", "flat", 256, 1024);
  check("flat@64", "flat", 64, 256);
  check("int8", "int8", 256, 256);
  check("binary", "binary", 256, 32);
  check("funnel", "funnel", 256, 64 + 1024);
  check("funnel:int8", "funnel", 256, 64 + 256);
  check("binary@128+rescore:int8", "funnel", 256, 16 + 256);
  check("flat@64>flat", "funnel", 256, 256 + 1024);
  const std::unique_ptr<Index> hnsw_funnel =
      make_index(resolve(parse_index_spec("hnsw@32:M8>int8"), 256), true);
  const auto& funnel = static_cast<const FunnelIndex&>(*hnsw_funnel);
  EXPECT_EQ(funnel.shortlist_index().kind(), "hnsw");
  EXPECT_EQ(funnel.shortlist_index().dim(), 32);
  EXPECT_EQ(funnel.rescorer().kind(), "int8");
  EXPECT_TRUE(funnel.options().normalize_prefix);
}

TEST(IndexSpec, ErrorsNameTheSpecAndTheWrongPart) {
  const auto error = [](std::string_view spec) {
    return error_message([&] { (void)parse_index_spec(spec); });
  };
  EXPECT_THAT(error("ivf"), HasSubstr("index spec 'ivf': unknown index kind 'ivf' (flat, int8, "
                                      "binary or hnsw"));
  EXPECT_THAT(error("flat@abc"), HasSubstr("'abc' is not a whole number"));
  EXPECT_THAT(error("flat@0"), HasSubstr("'0' is not a whole number in [1,"));
  EXPECT_THAT(error("flat:M16"), HasSubstr("flat takes no option 'M16' in 'flat:M16'"));
  EXPECT_THAT(error("hnsw:Q3"), HasSubstr("unknown hnsw option 'Q3'"));
  EXPECT_THAT(error("hnsw:Mx"), HasSubstr("'x' is not a whole number"));
  EXPECT_THAT(error("hnsw:M1"), HasSubstr("'1' is not a whole number in [2, 1024]"));
  EXPECT_THAT(error("funnel@64>256:fp16"), HasSubstr("unknown option 'fp16' (float or int8"));
  EXPECT_THAT(error("int8+rescore"), HasSubstr("+rescore follows binary codes only"));
  EXPECT_THAT(error("flat@64>hnsw"), HasSubstr("rescored by flat or int8 vectors in 'hnsw'"));
  EXPECT_THAT(error("int8@64>flat:int8"), HasSubstr("flat takes no option 'int8'"));
  EXPECT_THAT(error(""), HasSubstr("empty spec"));
  // Dims that do not fit the vectors.
  EXPECT_THAT(error_message([] { (void)canonical("flat@512"); }), HasSubstr("needs 512 dims"));
  EXPECT_THAT(error_message([] { (void)canonical("funnel@256>256"); }),
              HasSubstr("fewer than the rescorer's"));
  EXPECT_THAT(error_message([] { (void)canonical("flat@128>flat@64"); }),
              HasSubstr("cannot have more dims than the rescorer"));
  IndexDefaults too_wide;
  too_wide.funnel_dim = 256;
  EXPECT_THAT(error_message([&] { (void)canonical("funnel", 256, too_wide); }),
              HasSubstr("fewer than the rescorer's"));
}

TEST(IndexSpec, ListsSplitOnCommasBetweenSpecs) {
  EXPECT_EQ(split_spec_list("flat,int8"), (std::vector<std::string>{"flat", "int8"}));
  EXPECT_EQ(split_spec_list("bm25,hnsw:M16,efc200,ef64,funnel"),
            (std::vector<std::string>{"bm25", "hnsw:M16,efc200,ef64", "funnel"}));
  EXPECT_EQ(split_spec_list("hnsw@64:M8>int8,flat"),
            (std::vector<std::string>{"hnsw@64:M8>int8", "flat"}));
  EXPECT_EQ(split_spec_list("flat"), (std::vector<std::string>{"flat"}));
  EXPECT_EQ(split_spec_list("hybrid(bm25+hnsw:M16,ef64),bm25"),
            (std::vector<std::string>{"hybrid(bm25+hnsw:M16,ef64)", "bm25"}));
  // A piece that only looks like an option is a spec of its own (and an error later).
  EXPECT_EQ(split_spec_list("hnsw,Mx"), (std::vector<std::string>{"hnsw", "Mx"}));
}

}  // namespace
}  // namespace tessera
