#include "pageviews.hpp"

int main(int argc, char** argv) { return shop::pageviews::run(argc, argv); }
