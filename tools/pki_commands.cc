#include "tools/pki_commands.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "common/certificate_authority.h"

namespace bsm::tools {
namespace {

// Options outlive addPkiCommands() (CLI11 writes into them during parse), so they live on the
// heap, owned by the callbacks that read them.
struct NewCaArguments {
  std::string dir;
  std::string cn = "bsm CA";
  int days = static_cast<int>(pki::kDefaultCaValidity.count());
  bool force = false;
};

struct IssueArguments {
  std::string dir;
  std::string cn;
  std::vector<std::string> sans;
  int days = static_cast<int>(pki::kDefaultLeafValidity.count());
  bool force = false;
};

std::string formatUtc(pki::Clock::time_point time) {
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(pki::Clock::to_time_t(time)));
}

void printIssued(const pki::IssuedCertificate& issued) {
  std::cout << fmt::format("wrote {} (certificate, serial {}, valid {} to {})\n",
                           issued.certificate_path, issued.serial_hex, formatUtc(issued.not_before),
                           formatUtc(issued.not_after))
            << fmt::format("wrote {} (private key, mode 0600: keep it secret)\n", issued.key_path);
}

void addNewCa(CLI::App& pki, int& exit_code) {
  auto arguments = std::make_shared<NewCaArguments>();
  auto* command = pki.add_subcommand(
      "new-ca",
      "Create a CA: writes DIR/ca.crt and DIR/ca.key (refuses to replace an existing CA)");
  command->add_option("--dir", arguments->dir, "PKI directory (created with mode 0700)")
      ->required();
  command->add_option("--cn", arguments->cn, "The CA's common name")->capture_default_str();
  command->add_option("--days", arguments->days, "Validity in days")
      ->check(CLI::Range(1, static_cast<int>(pki::kMaxValidity.count())))
      ->capture_default_str();
  command->add_flag("--force", arguments->force,
                    "Replace an existing CA; every certificate it issued stops being trusted");

  command->callback([arguments, &exit_code] {
    pki::CaOptions options;
    options.cn = arguments->cn;
    options.days = std::chrono::days(arguments->days);
    options.overwrite = arguments->force;
    const auto issued = pki::createCa(arguments->dir, options);
    if (!issued) {
      std::cerr << "bsmctl pki new-ca: " << issued.error().message << "\n";
      exit_code = 1;
      return;
    }
    printIssued(*issued);
    std::cout << fmt::format(
        "next: bsmctl pki issue --dir {} --cn server --san <address agents dial>\n",
        arguments->dir);
  });
}

void addIssue(CLI::App& pki, int& exit_code) {
  auto arguments = std::make_shared<IssueArguments>();
  auto* command = pki.add_subcommand(
      "issue", "Issue a certificate for a server or an agent: writes DIR/CN.crt and DIR/CN.key");
  command->add_option("--dir", arguments->dir, "PKI directory holding ca.crt and ca.key")
      ->required();
  command
      ->add_option("--cn", arguments->cn,
                   "Common name: the agent's id, or the server's name; letters, digits, '.', '_' "
                   "and '-'")
      ->required();
  command
      ->add_option("--san", arguments->sans,
                   "Subject alternative name: an IP address or DNS name (repeat it, or separate "
                   "with commas); default: the CN when it is a DNS name")
      ->delimiter(',');
  command->add_option("--days", arguments->days, "Validity in days (at most the CA's)")
      ->check(CLI::Range(1, static_cast<int>(pki::kMaxValidity.count())))
      ->capture_default_str();
  command->add_flag("--force", arguments->force, "Replace an existing key and certificate");

  command->callback([arguments, &exit_code] {
    pki::CertificateOptions options;
    options.cn = arguments->cn;
    options.sans = arguments->sans;
    options.days = std::chrono::days(arguments->days);
    options.overwrite = arguments->force;
    const auto issued = pki::issueCertificate(arguments->dir, options);
    if (!issued) {
      std::cerr << "bsmctl pki issue: " << issued.error().message << "\n";
      exit_code = 1;
      return;
    }
    printIssued(*issued);
  });
}

}  // namespace

void addPkiCommands(CLI::App& app, int& exit_code) {
  auto* pki = app.add_subcommand("pki", "Create the deployment's CA and issue certificates");
  pki->require_subcommand(1);
  addNewCa(*pki, exit_code);
  addIssue(*pki, exit_code);
}

}  // namespace bsm::tools
