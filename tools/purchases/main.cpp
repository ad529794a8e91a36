#include "purchases.hpp"

int main(int argc, char** argv) { return shop::purchases::run(argc, argv); }
