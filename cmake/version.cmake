# Version, commit and build date for `nefia-agent --version`. string(TIMESTAMP) honours
# SOURCE_DATE_EPOCH, so reproducible builds get the date they ask for.
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                OUTPUT_VARIABLE NEFIA_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT NEFIA_GIT_COMMIT)
  set(NEFIA_GIT_COMMIT unknown)
endif()
string(TIMESTAMP NEFIA_BUILD_DATE "%Y-%m-%dT%H:%M:%SZ" UTC)
set(NEFIA_VERSION "v${PROJECT_VERSION}")
configure_file(${CMAKE_SOURCE_DIR}/common/build_info.h.in ${CMAKE_BINARY_DIR}/generated/build_info.h @ONLY)
