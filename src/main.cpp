#include "cli/app.hpp"

int main(int argc, char** argv) { return rig::cli::main(argc, argv); }
