#include "seed.hpp"

int main(int argc, char** argv) { return shop::seed::run(argc, argv); }
