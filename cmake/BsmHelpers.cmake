# Shared warning and sanitizer flags, applied by the bsm_add_* helpers below.
add_library(bsm_build_flags INTERFACE)
target_compile_options(bsm_build_flags INTERFACE -Wall -Wextra)
if(BSM_WERROR)
  target_compile_options(bsm_build_flags INTERFACE -Werror)
endif()
if(BSM_FUZZ)
  # Every library is instrumented for coverage; the fuzz targets add libFuzzer's main.
  target_compile_options(bsm_build_flags INTERFACE -fsanitize=fuzzer-no-link,address,undefined)
  target_link_options(bsm_build_flags INTERFACE -fsanitize=address,undefined)
endif()
if(BSM_SANITIZE)
  target_compile_options(bsm_build_flags INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(bsm_build_flags INTERFACE -fsanitize=address,undefined)
endif()

# bsm_add_library(name SOURCES ... DEPS ...)
function(bsm_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC bsm_build_flags ${ARG_DEPS})
endfunction()

# bsm_add_executable(name SOURCES ... DEPS ...)
function(bsm_add_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE bsm_build_flags ${ARG_DEPS})
endfunction()

# bsm_add_test(name SOURCES ... DEPS ... [LABELS ...]): one gtest binary; every TEST shows in
# ctest by itself.
include(GoogleTest)
function(bsm_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE bsm_build_flags ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    BSM_SOURCE_DIR="${PROJECT_SOURCE_DIR}" BSM_BINARY_DIR="${CMAKE_BINARY_DIR}")
  set(labels unit)
  if(ARG_LABELS)
    set(labels ${ARG_LABELS})
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${labels}")
endfunction()
