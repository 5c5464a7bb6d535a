// The kernels this CPU should offer, worked out from /proc/cpuinfo rather than from the code
// under test, so that "every kernel" in a test means every kernel the machine can run.
// The kernels and what each needs (src/lib/dispatch.cpp): scalar always; aesni needs aes;
// vaes-avx2 needs aes, vaes and avx2; vaes-avx512 needs aes, vaes, avx512f, avx512bw and
// avx512vbmi. The kernel hides a flag from /proc/cpuinfo when the OS does not save the
// registers it needs.
#pragma once

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace dgen::test {

inline std::set<std::string> cpu_flags() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("flags", 0) != 0) continue;
        std::istringstream words(line.substr(line.find(':') + 1));
        std::set<std::string> flags;
        for (std::string w; words >> w;) flags.insert(w);
        return flags;
    }
    return {};
}

inline std::vector<std::string> kernels_the_cpu_has() {
    const std::set<std::string> f = cpu_flags();
    const auto has = [&](const char* flag) { return f.count(flag) > 0; };
    std::vector<std::string> k{"scalar"};
    if (has("aes")) k.push_back("aesni");
    if (has("aes") && has("vaes") && has("avx2")) k.push_back("vaes-avx2");
    if (has("aes") && has("vaes") && has("avx512f") && has("avx512bw") && has("avx512vbmi"))
        k.push_back("vaes-avx512");
    return k;
}

}  // namespace dgen::test
