#include "watch.hpp"

int main(int argc, char** argv) { return shop::watch::run(argc, argv); }
