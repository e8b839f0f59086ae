# Every dependency comes from Debian packages (scripts/setup.sh installs them).
set(BLA_VENDOR OpenBLAS)
find_package(BLAS REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Threads REQUIRED)
find_package(simdjson REQUIRED)
find_package(ZLIB REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(SQLite3 REQUIRED)  # collections (src/collection)
# utf8proc and libstemmer ship no CMake config: found as plain libraries, linked by name so the
# installed package needs nothing more than the same Debian packages.
find_path(UTF8PROC_INCLUDE_DIR utf8proc.h REQUIRED)
find_library(UTF8PROC_LIBRARY utf8proc REQUIRED)
find_path(STEMMER_INCLUDE_DIR libstemmer.h REQUIRED)
find_library(STEMMER_LIBRARY stemmer REQUIRED)
# cpp-httplib (tessera serve) has pkg-config only.
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
