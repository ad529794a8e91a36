#include "mzsql.hpp"

int main(int argc, char** argv) { return shop::mzsql::run(argc, argv); }
