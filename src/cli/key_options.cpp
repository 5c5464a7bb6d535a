// Command-line options that read their values with the config's grammar: options bound to
// a config key go through that key's setter (config_keys.cpp); the others through the
// parser of their value type (values.h). CLI11's own conversions are not used: they read
// "010" as octal and take hex floats, inf and nan.
#include <optional>
#include <stdexcept>

#include "common.h"
#include "dgen/values.h"

namespace dgen::cli {
namespace {

// Blanks around a value mean nothing in a config (inih drops them), so not here either.
std::string trimmed(const std::string& v) {
    const size_t a = v.find_first_not_of(" \t");
    if (a == std::string::npos) return {};
    return v.substr(a, v.find_last_not_of(" \t") - a + 1);
}

}  // namespace

CLI::Option* add_key_option(CLI::App& app, const std::string& flag, const char* key,
                            KeyTarget target, const std::string& type_name) {
    const ConfigKey* k = find_config_key(key);
    if (!k) throw std::logic_error(std::string("no config key ") + key);
    CLI::Option* o = app.add_option_function<std::string>(
        flag,
        [k, target, flag](const std::string& v) {
            if (const std::string e = k->set(target, trimmed(v)); !e.empty())
                throw CLI::ValidationError(flag, e);
        },
        std::string(k->help) + " [" + k->range + "; config key " + k->name + "]");
    o->type_name(type_name);
    if (*k->def) o->default_str(k->def);
    return o;
}

// An option whose value `parse` reads into `out`, or refuses with a message.
template <class T, class Parse>
CLI::Option* add_parsed(CLI::App& app, const std::string& flag, T& out, const std::string& help,
                        const char* type_name, Parse parse) {
    return app
        .add_option_function<std::string>(
            flag,
            [&out, flag, parse](const std::string& v) {
                std::string e;
                const std::optional<T> x = parse(v, &e);
                if (!x) throw CLI::ValidationError(flag, e);
                out = *x;
            },
            help)
        ->type_name(type_name);
}

CLI::Option* add_size_option(CLI::App& app, const std::string& flag, uint64_t& out,
                             const std::string& help) {
    return add_parsed(app, flag, out, help, "SIZE",
                      [](const std::string& v, std::string* e) { return parse_size(v, e); });
}

CLI::Option* add_u64_option(CLI::App& app, const std::string& flag, uint64_t& out, uint64_t lo,
                            uint64_t hi, const std::string& help) {
    return add_parsed(app, flag, out, help, "N", [lo, hi](const std::string& v, std::string* e) {
        return parse_u64_in(v, lo, hi, e);
    });
}

CLI::Option* add_real_option(CLI::App& app, const std::string& flag, double& out,
                             const std::string& help) {
    return add_parsed(app, flag, out, help, "X",
                      [](const std::string& v, std::string* e) { return parse_real(v, e); });
}

}  // namespace dgen::cli
