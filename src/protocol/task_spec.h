#pragma once

// The spec decoder of every task kind, in one table: what the agent runs over each task of a
// bundle before any driver sees it, so that a bundle of this build's schema (messages.h
// kBundleSchema) has every member of every spec known, and every value through its grammar, at
// one gate. The drivers decode the spec again with the same decoders when they render it.

#include <string>
#include <vector>

#include "common/result.h"
#include "protocol/messages.h"

namespace hostplane::protocol {

// Decodes t.spec with the decoder of t.kind. Errors: kNotFound when no decoder here knows t.kind
// (a kind of a test driver; the agent then leaves the spec to the driver); otherwise the
// decoder's: kInvalid with fields {path in the spec: code} (field.unknown under kRefuse, the
// grammar codes of validate.h, ...).
[[nodiscard]] Status CheckTaskSpec(const Task& t, UnknownMembers unknown);

// Every kind CheckTaskSpec knows, in a stable order.
std::vector<std::string> TaskSpecKinds();

}  // namespace hostplane::protocol
