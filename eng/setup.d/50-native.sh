# Sourced by eng/setup.sh. The native (ahead-of-time compiled) CLI links with the platform's C toolchain: Debian's
# clang and zlib headers. NativeBuildTests publishes it and compares it with the .NET tool.
stepwise_apt_install clang zlib1g-dev || return 1
