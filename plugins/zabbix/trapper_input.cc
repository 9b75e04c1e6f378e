#include "plugins/zabbix/trapper_input.h"

#include <sys/resource.h>

#include <asio/ip/address.hpp>
#include <asio/post.hpp>

#include "common/logging.h"
#include "common/tcp_listen.h"
#include "plugins/zabbix/item_key.h"

namespace bsm::plugins::zabbix {

namespace {

constexpr auto kListenRetry = std::chrono::seconds(5);

std::string withheldNote(uint64_t withheld) {
  return withheld == 0 ? "" : " (" + std::to_string(withheld) + " similar lines withheld)";
}

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = logging::get("plugin.zabbix");
  return log;
}

ActiveItem readActiveItem(const ConfigFile& file, const YAML::Node& node,
                          std::chrono::milliseconds interval) {
  ActiveItem item;
  if (node.IsMap()) {
    file.rejectUnknownKeys(node, {"key", "interval"}, "an active check item");
    item.key = file.getString(node, "key");
    interval = file.getDuration(node, "interval", interval);
  } else {
    item.key = file.asString(node, "an active check item (a key, or {key, interval})");
  }
  auto parsed = parseItemKey(item.key);
  if (!parsed) {
    file.fail(node, "item key '" + item.key + "' is not valid: " + parsed.error().message);
  }
  // Log items need the agent's read position (lastlogsize, mtime) kept across requests.
  for (const char* log_key : {"log", "log.count", "logrt", "logrt.count", "eventlog"}) {
    if (parsed->name == log_key) {
      file.fail(node, "log items (" + parsed->name + ") are not supported as active checks");
    }
  }
  // Zabbix agents take the delay in whole seconds.
  if (interval < std::chrono::seconds(1) || interval.count() % 1000 != 0) {
    file.fail(node, "an active check's interval must be whole seconds, at least 1s");
  }
  item.delay_seconds = interval.count() / 1000;
  return item;
}

ActiveChecks readActiveChecks(const ConfigFile& file, const YAML::Node& list,
                              std::chrono::milliseconds interval) {
  if (!list || list.IsNull()) {
    return {};
  }
  file.requireSequence(list, "'active_checks'");
  std::vector<ActiveChecks::Entry> entries;
  for (const auto& node : list) {
    file.requireMap(node, "an entry of 'active_checks'");
    file.rejectUnknownKeys(node, {"host", "items"}, "an entry of 'active_checks'");
    ActiveChecks::Entry entry;
    entry.host_glob = file.getString(node, "host");
    if (entry.host_glob.empty()) {
      file.fail(node, "'host' must name the agents' host names (a glob such as \"web-*\")");
    }
    const YAML::Node items = node["items"];
    if (!items || !items.IsSequence() || items.size() == 0) {
      file.fail(node, "'items' must list the item keys these agents send");
    }
    for (const auto& item : items) {
      entry.items.push_back(readActiveItem(file, item, interval));
      for (size_t i = 0; i + 1 < entry.items.size(); ++i) {
        if (entry.items[i].key == entry.items.back().key) {
          file.fail(item, "item '" + entry.items.back().key + "' is listed twice");
        }
      }
    }
    entries.push_back(std::move(entry));
  }
  return ActiveChecks(std::move(entries));
}

}  // namespace

TrapperInput::TrapperInput(InputSettings settings, TrapperOptions options)
    : Input(std::move(settings)),
      options_(std::move(options)),
      handler_(this->settings().name, options_.active) {}

TrapperInput::~TrapperInput() {
  stop();
}

InputFactory TrapperInput::factory() {
  return [](const InputSettings& settings, const ConfigFile& file, const YAML::Node& options) {
    file.requireMap(options, "the zabbix_trapper input");
    file.rejectUnknownKeys(options,
                           {"plugin", "name", "interval", "timeout", "listen", "max_connections",
                            "report_interval", "active_checks", "allow"},
                           "input '" + settings.name + "' (plugin zabbix_trapper)");
    TrapperOptions trapper;
    if (const auto listen = file.getOptionalString(options, "listen")) {
      auto parsed = parseHostPort(*listen);
      if (!parsed) {
        file.fail(options["listen"], "'listen': " + parsed.error().message);
      }
      trapper.listen = *parsed;
      std::error_code not_ip;
      if (!trapper.listen.host.empty()) {
        (void)asio::ip::make_address(trapper.listen.host, not_ip);
      }
      if (not_ip) {
        file.fail(options["listen"],
                  "'listen' must be an IP address and port, such as "
                  "0.0.0.0:10051, not '" +
                      *listen + "'");
      }
    }
    if (const YAML::Node allow = options["allow"]; allow && !allow.IsNull()) {
      file.requireSequence(allow, "'allow'");
      if (allow.size() == 0) {
        file.fail(allow,
                  "'allow' is empty, which would refuse everyone; leave it out for this "
                  "host only, or list addresses and networks");
      }
      trapper.allowed = AllowedPeers();
      for (const auto& entry : allow) {
        if (Status added = trapper.allowed.add(file.asString(entry, "an entry of 'allow'"));
            !added) {
          file.fail(entry, "'allow': " + added.error().message);
        }
      }
    }
    const int64_t max_connections = file.getInteger(options, "max_connections", 100);
    if (max_connections < 1 || max_connections > 10'000) {
      file.fail(options["max_connections"], "'max_connections' must be from 1 to 10000");
    }
    trapper.max_connections = static_cast<size_t>(max_connections);
    trapper.active = readActiveChecks(file, options["active_checks"], settings.interval);

    InputSettings own = settings;
    // Senders push at their own pace (a cron job every minute, a script every five); without a
    // word about it, values count as stale after three minutes.
    own.report_interval =
        file.getDuration(options, "report_interval", std::chrono::milliseconds(60'000));
    if (own.report_interval < std::chrono::seconds(1)) {
      file.fail(options["report_interval"], "'report_interval' must be at least 1s");
    }
    return std::make_unique<TrapperInput>(own, std::move(trapper));
  };
}

void TrapperInput::start(Emitter& out) {
  context_ = std::make_shared<TrapperContext>(handler_, out, options_.limits, settings().timeout,
                                              settings().name);
  // Every connection holds a descriptor; past the process's limit, accepting fails and the
  // agent's other inputs cannot open sockets or files either.
  if (rlimit limit{}; ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
                      options_.max_connections + 64 > limit.rlim_cur) {
    logger()->warn(
        "input={} max_connections={} is close to this process's limit of {} open "
        "files; raise the limit (LimitNOFILE=) or lower max_connections",
        settings().name, options_.max_connections, limit.rlim_cur);
  }
  if (Status listening = listen(); !listening) {
    logger()->error(
        "input={} cannot listen for Zabbix senders and agents on {}: {}; trying "
        "again every {} s",
        settings().name, options_.listen.toString(), listening.error().message,
        kListenRetry.count());
    retryListenLater();
  }
  thread_ = std::thread([this] { io_.run(); });
}

void TrapperInput::stop() {
  if (!thread_.joinable()) {
    return;
  }
  asio::post(io_, [this] {
    std::error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
    io_.stop();
  });
  thread_.join();
}

Status TrapperInput::listen() {
  auto port = listenTcp(acceptor_, options_.listen);
  if (!port) {
    return port.error();
  }
  port_ = *port;
  logger()->info("input={} listening for Zabbix senders and active agents address={}:{}",
                 settings().name, options_.listen.host.empty() ? "0.0.0.0" : options_.listen.host,
                 port_.load());
  acceptNext();
  return Status::success();
}

void TrapperInput::retryListenLater() {
  retry_.expires_after(kListenRetry);
  retry_.async_wait([this](const std::error_code& error) {
    if (error) {
      return;
    }
    if (Status listening = listen(); !listening) {
      logger()->debug("input={} still cannot listen on {}: {}", settings().name,
                      options_.listen.toString(), listening.error().message);
      retryListenLater();
    }
  });
}

void TrapperInput::acceptNext() {
  acceptor_.async_accept([this](const std::error_code& error, asio::ip::tcp::socket socket) {
    if (error == asio::error::operation_aborted) {
      return;
    }
    if (error) {
      // Out of file descriptors and the like: pause briefly rather than spin on the error.
      if (uint64_t withheld = 0; refusal_log_.allow(withheld)) {
        logger()->error("input={} accept failed, new connections wait: {}{}", settings().name,
                        error.message(), withheldNote(withheld));
      }
      retry_.expires_after(std::chrono::milliseconds(200));
      retry_.async_wait([this](const std::error_code& waited) {
        if (!waited) {
          acceptNext();
        }
      });
      return;
    }
    std::error_code unknown;
    const auto peer = socket.remote_endpoint(unknown);
    if (unknown || !options_.allowed.allows(peer.address())) {
      ++context_->broken;
      if (uint64_t withheld = 0; refusal_log_.allow(withheld)) {
        logger()->warn("input={} connection from {} refused: not in the input's 'allow' list{}",
                       settings().name, unknown ? "an unknown address" : peer.address().to_string(),
                       withheldNote(withheld));
      }
    } else if (context_->open.load() >= options_.max_connections) {
      ++context_->broken;
      if (uint64_t withheld = 0; refusal_log_.allow(withheld)) {
        logger()->warn("input={} connection from {} refused: {} connections open, the limit{}",
                       settings().name, peer.address().to_string(), options_.max_connections,
                       withheldNote(withheld));
      }
    } else {
      std::make_shared<TrapperConnection>(std::move(socket), context_)->start();
    }
    acceptNext();
  });
}

}  // namespace bsm::plugins::zabbix
