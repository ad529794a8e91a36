#include "restock.hpp"

int main(int argc, char** argv) { return shop::restock::run(argc, argv); }
