// Checks that a document read back from disk (a summary, a record, cache metadata) has the shape the
// code reading it assumes, before any of it is used: a small subset of JSON Schema (type, properties,
// required, items, additionalProperties, enum), enough for rigctl's own files. The schema is data, so
// the documented format and the checked one are the same text.
#pragma once

#include <string>

#include "core/error.hpp"
#include "core/json_reader.hpp"

namespace rig {

// Usage error naming the JSON path and what was expected when `doc` does not fit `schema`.
Status check_shape(const json& doc, const json& schema);

}  // namespace rig
