// Dispatch offers exactly the kernels the CPU flags allow, so that tests looping over
// available_kernels() cannot quietly run fewer paths than the machine has.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cpu_kernels.h"
#include "dgen/kernel.h"

namespace dgen {
namespace {

TEST(Kernels, DetectedAreThoseTheCpuFlagsAllow) {
    ASSERT_FALSE(test::cpu_flags().empty()) << "no flags line in /proc/cpuinfo";
    std::vector<std::string> got;
    for (const Kernel& k : available_kernels()) got.emplace_back(k.name);
    EXPECT_EQ(got, test::kernels_the_cpu_has());
}

TEST(Kernels, EachCanBeFoundAndForced) {
    const std::string before = active_kernel().name;
    for (const std::string& name : test::kernels_the_cpu_has()) {
        const Kernel* k = find_kernel(name);
        ASSERT_NE(k, nullptr) << name;
        EXPECT_EQ(k->name, name);
        ASSERT_TRUE(force_kernel(name)) << name;
        EXPECT_EQ(active_kernel().name, name);
    }
    EXPECT_FALSE(force_kernel("no-such-kernel"));
    ASSERT_TRUE(force_kernel(before));
}

}  // namespace
}  // namespace dgen
