#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/result.h"
#include "tools/api_client.h"

namespace bsm::tools {

// What bsmctl's API commands share: how to reach the server and how to show its answers.

inline constexpr const char* kDefaultServer = "http://127.0.0.1:9440";

// What the global options and the environment say about reaching the server.
struct ApiSettings {
  std::string server;
  std::string token;
  std::string token_file;
};

// Prints "bsmctl: MESSAGE" to stderr and sets the exit code to 1.
void fail(int& exit_code, const std::string& message);

// --server, else $BSM_SERVER, else the default; --token, else --token-file, else $BSM_TOKEN.
Result<ApiClient> makeClient(const ApiSettings& settings);

// GETs `path` and checks that the answer holds an array under `list_key` (when given).
Result<nlohmann::json> fetch(const ApiSettings& settings, const std::string& path,
                             const char* list_key);

// POSTs `body` to `path` and checks that the answer is a JSON object.
Result<nlohmann::json> send(const ApiSettings& settings, const std::string& path,
                            const nlohmann::json& body);

void printJson(const nlohmann::json& body);

// What every command does with an answer first: a failure is reported (exit code 1), and with
// --json the answer is printed as it is. True when that was all there was to do.
bool finishedWith(const Result<nlohmann::json>& body, bool json, int& exit_code);

// A subcommand that takes the API options after its name too, with the shared help footer.
CLI::App* addApiSubcommand(CLI::App& parent, const std::string& name,
                           const std::string& description, const std::string& footer);

// --author's default: the user running bsmctl.
std::string defaultAuthor();

// A field as text, whatever its JSON type, without throwing on a server that answers oddly.
std::string text(const nlohmann::json& object, const char* key);

// "5m", "2h10m", "3d4h" for a span of milliseconds.
std::string showAge(int64_t ms);

// "2026-12-03 19:20:00Z (5m ago)" for an API time, "never" for null.
std::string showTime(const nlohmann::json& object, const char* key);

// "9.2 percent", "1073741824 bytes", "" for no value.
std::string showValue(const nlohmann::json& component);

// "system.fs.used{mount=/}": the check or metric name with its labels.
std::string showComponentName(const nlohmann::json& component);

// The component's reason, else the first line of its output.
std::string showReason(const nlohmann::json& component);

// "99.9512" for a number, "-" for null.
std::string showNumber(const nlohmann::json& object, const char* key, int decimals);

// "1h 2m 3s (3723 s)" for a count of seconds.
std::string showSeconds(const nlohmann::json& object, const char* key);

// Appends "name=value" to a query string, percent-encoding the value; nothing for "".
void addQuery(std::string& path, const char* name, const std::string& value);

}  // namespace bsm::tools
