// What the fuzz targets share: a property check that ends the run on failure, so that
// libFuzzer saves the input (crash-<sha1>) like any crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace dgen::fuzz {

[[noreturn]] inline void property_failed(const std::string& what) {
    std::fprintf(stderr, "fuzz property failed: %s\n", what.c_str());
    std::abort();
}

inline void require(bool ok, const char* what) {
    if (!ok) property_failed(what);
}

}  // namespace dgen::fuzz
