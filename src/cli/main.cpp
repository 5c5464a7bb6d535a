// dgen: produce, check and benchmark dgen streams without mounting anything.
#include "common.h"

int main(int argc, char** argv) {
    CLI::App app;
    dgen::cli::build_app(app);
    return dgen::cli::run_main(app, argc, argv);
}
