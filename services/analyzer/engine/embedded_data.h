// The engine's data files (registration table, library models), compiled into
// the binary so `prism analyze` needs no installed data. Generated from the
// files beside this header.
#ifndef PRISM_SERVICES_ANALYZER_ENGINE_EMBEDDED_DATA_H_
#define PRISM_SERVICES_ANALYZER_ENGINE_EMBEDDED_DATA_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace prism::analyzer {

struct EmbeddedFile {
  absl::string_view name;  // "libc.model"
  absl::string_view contents;
};

absl::string_view EmbeddedRegistrationApis();
const std::vector<EmbeddedFile>& EmbeddedModelFiles();

}  // namespace prism::analyzer

#endif  // PRISM_SERVICES_ANALYZER_ENGINE_EMBEDDED_DATA_H_
