# Every dependency comes from Debian 12's packages; scripts/install-deps installs them.
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(Protobuf REQUIRED)
find_package(spdlog REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(ZLIB REQUIRED)
# Time zones for SLA calendars and business hours (libstdc++ 12 has no std::chrono::zoned_time).
find_package(date REQUIRED)
find_package(PkgConfig REQUIRED)
# Debian ships cpp-httplib as a compiled library with a pkg-config file only.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
if(BSM_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()

# Standalone Asio is header-only.
find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
add_library(bsm_asio INTERFACE)
target_include_directories(bsm_asio SYSTEM INTERFACE ${ASIO_INCLUDE_DIR})
target_compile_definitions(bsm_asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED)
target_link_libraries(bsm_asio INTERFACE Threads::Threads OpenSSL::SSL OpenSSL::Crypto)

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()
