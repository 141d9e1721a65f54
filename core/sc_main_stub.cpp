// Debian's libsystemc.so carries its own main() that calls sc_main(). LiteSim's programs have
// their own main() (the CLI, GoogleTest) and start the kernel with sc_start() themselves, but the
// shared library still needs the symbol, so it is defined here; reaching it is a build mistake.
#include <cstdio>
#include <cstdlib>

extern "C" int sc_main(int, char**) {
  std::fputs("litesim: internal error: sc_main() called; LiteSim programs define main()\n", stderr);
  std::abort();
}
