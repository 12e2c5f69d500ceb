#include <sys/stat.h>

#include <fstream>
#include <iostream>

#include "context.hpp"

namespace octopus::cli {

// `octopus keygen --out partner.pem`: a new Ed25519 key, written 0600; prints the public
// key to give the operator.
void add_keygen_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("keygen", "Make a new Ed25519 key pair for signing requests");
  auto out = std::make_shared<std::string>();
  cmd->add_option("--out", *out, "Where to write the private key (PEM, mode 0600)")->required();
  cmd->callback([out] {
    struct stat existing {};
    if (stat(out->c_str(), &existing) == 0)
      throw CLI::ValidationError("--out", *out + " exists; not overwriting a key");
    const auto pair = generate_key_pair();
    const mode_t old = umask(077);
    std::ofstream file(*out);
    umask(old);
    file << pair.private_key_pem;
    file.close();
    if (!file) throw CLI::ValidationError("--out", "cannot write " + *out);
    std::cout << pair.public_key_base64 << "\n";
    std::cerr << "private key written to " << *out << "; register the public key above with the operator\n";
  });
}

}  // namespace octopus::cli
