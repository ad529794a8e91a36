#include "serve.hpp"

int main(int argc, char** argv) { return shop::serve::run(argc, argv); }
