#include "tessera/data/pair_reader.h"

#include <utility>

#include "number_parse.h"
#include "tessera/core/check.h"
#include "tessera/data/source_error.h"

namespace tessera {

PairReader::PairReader(PairReader&&) noexcept = default;
PairReader& PairReader::operator=(PairReader&&) noexcept = default;
PairReader::~PairReader() = default;

PairReader PairReader::jsonl(LineSource source, PairFields fields) {
  JsonlOptions options;
  options.fields = {fields.query, fields.positive};
  if (!fields.negative.empty()) options.fields.push_back(fields.negative + "?");
  PairReader reader;
  reader.jsonl_ = std::make_unique<JsonlReader>(std::move(source), std::move(options));
  return reader;
}

PairReader PairReader::delimited(LineSource source, DelimitedOptions options, PairColumns columns) {
  options.select = {columns.query, columns.positive};
  PairReader reader;
  if (columns.negative) {
    options.select.push_back(*columns.negative);
    reader.has_negative_column_ = true;
  }
  reader.delimited_ = std::make_unique<DelimitedReader>(std::move(source), std::move(options));
  return reader;
}

bool PairReader::next(TextPair& pair) {
  if (jsonl_) {
    if (!jsonl_->next(json_record_)) return false;
    auto& values = json_record_.values;
    pair.query = std::move(values[0]);
    pair.positive = std::move(values[1]);
    pair.has_negative = values.size() > 2 && json_record_.present[2] != 0;
    pair.negative = pair.has_negative ? std::move(values[2]) : std::string();
    pair.line = json_record_.line;
    return true;
  }
  if (!delimited_->next(row_)) return false;
  pair.query = std::move(row_.values[0]);
  pair.positive = std::move(row_.values[1]);
  pair.has_negative = has_negative_column_;
  pair.negative = has_negative_column_ ? std::move(row_.values[2]) : std::string();
  pair.line = row_.line;
  return true;
}

namespace {
DelimitedOptions scored_selection(DelimitedOptions options, const ScoredPairColumns& columns) {
  options.select = {columns.first, columns.second, columns.score};
  return options;
}
}  // namespace

ScoredPairReader::ScoredPairReader(LineSource source, DelimitedOptions options,
                                   ScoredPairColumns columns)
    : reader_(std::move(source), scored_selection(std::move(options), columns)) {}

ScoredPairReader ScoredPairReader::stsb(LineSource source) {
  DelimitedOptions options = DelimitedOptions::tsv();
  options.columns = 7;
  options.allow_extra_columns = true;
  return ScoredPairReader(std::move(source), options,
                          {Column::at(5), Column::at(6), Column::at(4)});
}

bool ScoredPairReader::next(ScoredPair& pair) {
  if (!reader_.next(row_)) return false;
  if (!data_detail::parse_finite_double(row_.values[2], pair.score)) {
    reader_.fail(row_.line, "a number for the score", quote_found(row_.values[2]));
  }
  pair.first = std::move(row_.values[0]);
  pair.second = std::move(row_.values[1]);
  pair.line = row_.line;
  return true;
}

}  // namespace tessera
