// A C++ program for the cc image: libstdc++ (strings, streams, exceptions) and libgcc_s (unwinding).
#include <iostream>
#include <stdexcept>
#include <string>
#include <unistd.h>

int main() {
  try {
    throw std::runtime_error("exceptions unwind");
  } catch (const std::exception &e) {
    std::cout << "hello from C++ in a pith cc image: " << e.what() << ", uid " << getuid() << std::endl;
  }
  return 0;
}
