#include "server/service_model.h"

#include <gtest/gtest.h>

#include "common/config_file.h"
#include "server_test_support.h"

namespace bsm::server {
namespace {

using testing::TempDir;

// The message of the ConfigError that parsing `text` throws, or "" when it parses.
std::string parseError(const std::string& text, const std::string& name = "shop.yaml") {
  try {
    ServiceModel::parse(text, name);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string loadError(const std::vector<std::string>& globs) {
  try {
    ServiceModel::load(globs);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

constexpr const char* kShop = R"(services:
  online-shop:
    description: Customer-facing web shop
    criticality: 1
    sla: {objective: 99.9, window: 30d}
    rule: worst
    depends_on: [storefront, checkout, {service: recommendations, impact: warning}]
  storefront:
    rule: {at_least: 2}
    components:
      - {host: "web-*", check: http}
  checkout:
    rule: {percent: 50}
    components:
      - {host: app-1, metric: system.load1, warn: "> 4", crit: "> 8", stale_after: 45s}
      - {host: db-1, check: check_pgsql}
      - {metric: disk.used_percent, labels: {mount: "/var*"}, crit: ">= 95"}
  recommendations:
    rule: best
)";

TEST(ServiceModelTest, ReadsEveryField) {
  const ServiceModel model = ServiceModel::parse(kShop, "shop.yaml");
  ASSERT_EQ(model.services().size(), 4u);

  const ServiceDef* shop = model.find("online-shop");
  ASSERT_NE(shop, nullptr);
  EXPECT_EQ(shop->description, "Customer-facing web shop");
  EXPECT_EQ(shop->criticality, 1);
  ASSERT_TRUE(shop->sla.has_value());
  EXPECT_DOUBLE_EQ(shop->sla->objective, 99.9);
  EXPECT_EQ(shop->sla->window.rolling, std::chrono::hours(24 * 30));
  EXPECT_EQ(shop->rule.kind(), Rule::Kind::kWorst);
  ASSERT_EQ(shop->depends_on.size(), 3u);
  EXPECT_EQ(shop->depends_on[0].service, "storefront");
  EXPECT_EQ(shop->depends_on[0].impact, Impact::normal());
  EXPECT_EQ(shop->depends_on[2].service, "recommendations");
  EXPECT_EQ(shop->depends_on[2].impact, Impact::cap(CheckState::kWarning));
  EXPECT_EQ(shop->where, "shop.yaml:2:3");

  const ServiceDef* storefront = model.find("storefront");
  ASSERT_NE(storefront, nullptr);
  EXPECT_EQ(storefront->criticality, 3);  // the default
  EXPECT_EQ(storefront->rule.describe(), "at_least 2");
  ASSERT_EQ(storefront->components.size(), 1u);
  EXPECT_EQ(storefront->components[0].kind, SeriesKind::kCheck);
  EXPECT_EQ(storefront->components[0].host.pattern(), "web-*");

  const ServiceDef* checkout = model.find("checkout");
  ASSERT_NE(checkout, nullptr);
  EXPECT_EQ(checkout->rule.describe(), "at_least 50%");
  ASSERT_EQ(checkout->components.size(), 3u);
  const Selector& load = checkout->components[0];
  EXPECT_EQ(load.kind, SeriesKind::kMetric);
  ASSERT_TRUE(load.warn && load.crit);
  EXPECT_EQ(load.warn->toString(), "> 4");
  EXPECT_EQ(load.crit->toString(), "> 8");
  EXPECT_EQ(load.stale_after, std::chrono::seconds(45));
  const Selector& disk = checkout->components[2];
  EXPECT_EQ(disk.host.pattern(), "*");  // host defaults to every host
  EXPECT_TRUE(disk.matches(SeriesKind::kMetric, "db-1", "disk.used_percent", {{"mount", "/var"}}));
  EXPECT_FALSE(disk.matches(SeriesKind::kMetric, "db-1", "disk.used_percent", {{"mount", "/"}}));
  EXPECT_FALSE(disk.matches(SeriesKind::kMetric, "db-1", "disk.used_percent", {}));

  EXPECT_EQ(model.find("recommendations")->rule.kind(), Rule::Kind::kBest);
  EXPECT_EQ(model.find("nope"), nullptr);
}

TEST(ServiceModelTest, RejectsUnknownKeyWithLine) {
  const std::string error = parseError(R"(services:
  web:
    components:
      - {host: web-1, check: http, treshold: 3}
)");
  EXPECT_CONTAINS(error, "shop.yaml:4:36: ");
  EXPECT_CONTAINS(error, "unknown key 'treshold'");

  EXPECT_CONTAINS(parseError("services:\n  web:\n    critcality: 2\n"), "shop.yaml:3:5: ");
  EXPECT_CONTAINS(parseError("service:\n  web: {}\n"), "unknown key 'service'");
}

TEST(ServiceModelTest, RejectsCycleNamingItsPath) {
  const std::string error = parseError(R"(services:
  a:
    depends_on: [b]
  b:
    depends_on: [c]
  c:
    depends_on: [a]
)");
  EXPECT_CONTAINS(error, "shop.yaml:7:18: ");
  EXPECT_CONTAINS(error, "dependency cycle: a -> b -> c -> a");

  EXPECT_CONTAINS(parseError("services:\n  a:\n    depends_on: [a]\n"), "dependency cycle: a -> a");
}

TEST(ServiceModelTest, RejectsUnknownDependency) {
  const std::string error = parseError(R"(services:
  shop:
    depends_on: [storefront, {service: chekout}]
  storefront:
    components: [{check: http}]
)");
  EXPECT_CONTAINS(error, "shop.yaml:3:30: ");
  EXPECT_CONTAINS(error, "'shop' depends on 'chekout', which no model file defines");
}

TEST(ServiceModelTest, RejectsBadThresholds) {
  const std::string bare = parseError(R"(services:
  app:
    components:
      - {host: app-1, metric: system.load1, warn: 4}
)");
  EXPECT_CONTAINS(bare, "shop.yaml:4:51: ");
  EXPECT_CONTAINS(bare, "has no comparison");

  EXPECT_CONTAINS(parseError("services:\n  app:\n    components:\n"
                             "      - {metric: m, crit: \"> lots\"}\n"),
                  "shop.yaml:4:27: ");
  // An unquoted comparison is a YAML syntax error; the message says what to do about it.
  const std::string unquoted = parseError(
      "services:\n  app:\n    components:\n"
      "      - metric: m\n        warn: > 4\n");
  EXPECT_CONTAINS(unquoted, "shop.yaml:5:");
  EXPECT_CONTAINS(unquoted, "quote thresholds");
  // Thresholds belong to metrics.
  EXPECT_CONTAINS(parseError("services:\n  app:\n    components:\n"
                             "      - {check: http, warn: \"> 1\"}\n"),
                  "a check brings its own state");
}

TEST(ServiceModelTest, RejectsBadRules) {
  EXPECT_CONTAINS(parseError("services:\n  a:\n    rule: weighted\n"), "needs its thresholds");
  EXPECT_CONTAINS(parseError("services:\n  a:\n    rule: {weighted: {x: 1}}\n"), "unknown key 'x'");
  EXPECT_CONTAINS(parseError("services:\n  a:\n    rule: majority\n"),
                  "shop.yaml:3:11: service 'a': rule 'majority' is not a rule");
  EXPECT_CONTAINS(parseError("services:\n  a:\n    rule: {at_least: 0}\n"), "1 or more");
  EXPECT_CONTAINS(parseError("services:\n  a:\n    rule: {at_least: two}\n"), "whole number");
  EXPECT_CONTAINS(parseError("services:\n  a:\n    rule: {percent: 150}\n"), "at most 100");
  EXPECT_CONTAINS(parseError("services:\n  a:\n    rule: at_least\n"), "{at_least: N}");
}

TEST(ServiceModelTest, RejectsOtherMistakes) {
  EXPECT_CONTAINS(parseError("services:\n  a:\n    components:\n      - {host: x}\n"),
                  "exactly one of metric");
  EXPECT_CONTAINS(parseError("services:\n  a:\n    components:\n"
                             "      - {check: x, metric: y}\n"),
                  "exactly one of metric");
  EXPECT_CONTAINS(parseError("services:\n  a:\n    criticality: 0\n"), "criticality must be");
  EXPECT_CONTAINS(parseError("services:\n  a:\n    sla: {objective: 99.9}\n"), "window");
  EXPECT_CONTAINS(parseError("services:\n  a:\n    depends_on: [b, b]\n  b: {}\n"), "twice");
  EXPECT_CONTAINS(parseError("services:\n  a:\n    depends_on: [{service: b, impact: big}]\n"
                             "  b: {}\n"),
                  "not one of normal, warning, increase");
  EXPECT_CONTAINS(parseError("services:\n  \"bad name\": {}\n"), "service name 'bad name'");
  EXPECT_CONTAINS(parseError("services:\n  a: {}\n  a: {}\n"), "shop.yaml:3:3: ");
  EXPECT_CONTAINS(parseError("services:\n  a:\n    components:\n"
                             "      - {check: x, stale_after: 30}\n"),
                  "stale_after");
  EXPECT_CONTAINS(parseError("nothing: here\n"), "unknown key 'nothing'");
}

TEST(ServiceModelTest, ReportsYamlSyntaxErrorWithLine) {
  const std::string error = parseError("services:\n  a:\n    rule: [worst\n  b: {}\n");
  EXPECT_CONTAINS(error, "shop.yaml:");
  EXPECT_CONTAINS(error, "YAML syntax error");
}

TEST(ServiceModelTest, LoadsSeveralFilesFromGlobs) {
  TempDir dir;
  dir.write("a.yaml", "services:\n  shop:\n    depends_on: [web]\n");
  dir.write("b.yaml", "services:\n  web:\n    components: [{check: http}]\n");
  dir.write("notes.txt", "not a model");
  const ServiceModel model = ServiceModel::load({dir.path() + "/*.yaml", dir.path() + "/a.yaml"});
  ASSERT_EQ(model.services().size(), 2u);
  EXPECT_EQ(model.services()[0].name, "shop");
  EXPECT_EQ(model.services()[1].name, "web");
  EXPECT_EQ(model.files().size(), 2u);  // a.yaml, matched twice, is read once
}

TEST(ServiceModelTest, RejectsDuplicateServiceAcrossFiles) {
  TempDir dir;
  const std::string a = dir.write("a.yaml", "services:\n  web:\n    description: one\n");
  const std::string b = dir.write("b.yaml", "services:\n  db: {}\n  web:\n    description: two\n");
  const std::string error = loadError({dir.path() + "/*.yaml"});
  EXPECT_CONTAINS(error, b + ":3:3: service 'web' is already defined at " + a + ":2:3");
}

TEST(ServiceModelTest, RejectsGlobThatMatchesNothing) {
  TempDir dir;
  const std::string glob = dir.path() + "/services.d/*.yaml";
  EXPECT_CONTAINS(loadError({glob}), "'" + glob + "' matches no file");
}

TEST(ServiceModelTest, ReportsLineOfMistakeInSecondFile) {
  TempDir dir;
  dir.write("a.yaml", "services:\n  shop:\n    depends_on: [web]\n");
  const std::string b = dir.write("b.yaml", "services:\n  web:\n    rule: worse\n");
  EXPECT_CONTAINS(loadError({dir.path() + "/*.yaml"}), b + ":3:11: ");
}

}  // namespace
}  // namespace bsm::server
