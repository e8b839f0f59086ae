// Reads documents for a collection from JSON lines (optionally .gz), one object per line:
//   {"id": "d1", "text": "...", "title": "...", "metadata": {...}}
// "_id" stands for "id" (BEIR corpora read as they are); a "title" is put before the text with
// one space, as BEIR's evaluations embed title + text, and kept in the metadata as "title"
// unless the metadata has one. Members other than these are an error, so a misspelt one does
// not vanish. Every problem is an Error naming the file and line.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/collection/collection.h"

namespace tessera {

// One document from a parsed JSON object; an Error naming `where` ("docs.jsonl:3") otherwise.
CollectionDocument document_from_json(const nlohmann::json& object, std::string_view where);

// Calls on_batch with up to batch_size documents at a time, in file order.
void read_documents(const std::string& path, int64_t batch_size,
                    const std::function<void(std::vector<CollectionDocument>&&)>& on_batch);

}  // namespace tessera
