#pragma once
// Parameter checks shared by several topologies' cross-checks (ParamSet's CrossCheck).
#include <string>

#include "core/params.h"

namespace litesim {

// Checks shared by several topologies. A fibre length override defaults to -1 m, "not given: use
// fabric.link.fibre_length" (so `litesim config` prints -1 m, and that output must load again).
// Any other negative length is a mistake, not a request for the default.
inline void check_length_override(double metres, const std::string& key, const ParamWhere& w) {
  if (metres < 0 && metres != -1.0 && w.given(key))
    w.fail(key, "must not be negative (leave it out, or give -1 m, to use fabric.link.fibre_length)");
}

}  // namespace litesim
