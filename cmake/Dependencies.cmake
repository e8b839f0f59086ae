# Every dependency comes from Debian packages (scripts/setup.sh installs them).
set(BLA_VENDOR OpenBLAS)
find_package(BLAS REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Threads REQUIRED)
